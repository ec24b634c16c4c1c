/**
 * One process at a time on an embedded (PGlite) database folder. PGlite is PostgreSQL inside one
 * process: a second process opening the same folder writes a database the first does not see,
 * so a password created by `staff create` beside a running service was refused by it. The lock
 * is a file beside the folder holding the owner's process id, made with O_EXCL; a lock whose
 * process is gone (killed, crashed) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { ApiError } from "../errors.js";

export interface FolderLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: asks whether the process exists, sends nothing
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function lockPgliteFolder(folder: string): FolderLock {
  const path = `${folder}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readFileSync(path, "utf8").trim());
      if (Number.isSafeInteger(owner) && owner > 0 && alive(owner))
        throw new ApiError(
          "database_in_use",
          `the embedded database in ${folder} is open in another CabinPay process (pid ${owner}): stop it first ` +
            `(Ctrl-C in its terminal), or use its API or web pages while it runs; a stale ${path} may be removed once no CabinPay process runs`,
        );
      rmSync(path, { force: true }); // its owner is gone: take the folder over
    }
  }
  throw new ApiError("database_in_use", `could not take the lock ${path}`);
}
