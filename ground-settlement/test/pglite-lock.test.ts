/** One process at a time on an embedded database folder: the second is refused, saying why; a dead owner's lock is taken over. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/client.js";

describe("the embedded database's folder lock", () => {
  const root = mkdtempSync(join(tmpdir(), "cabinpay-lock-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const open = (folder: string) => openDatabase({ databaseUrl: undefined, pgliteDir: folder, poolSizeMax: 1, statementTimeoutMs: 10_000 });

  it("refuses a second opener while the first holds the folder, and lets it in once the first closed", async () => {
    const folder = join(root, "one");
    const first = await open(folder);
    await expect(open(folder)).rejects.toMatchObject({ code: "database_in_use", message: expect.stringContaining(`pid ${process.pid}`) });
    await first.close();
    const second = await open(folder);
    await second.ping();
    await second.close();
  }, 120_000);

  it("takes over the lock of a process that is gone", async () => {
    const folder = join(root, "two");
    // A pid far above any this machine hands out: its owner is gone.
    writeFileSync(`${folder}.lock`, "2147483646");
    const database = await open(folder);
    await database.ping();
    await database.close();
  }, 120_000);
});
