/**
 * The ground service as it is deployed: the built CLI (`npm test` builds first), its API and its
 * workers as separate processes on a fresh PostgreSQL database and a queue prefix of their own,
 * with staff API keys made by the CLI.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";

const CLI = fileURLToPath(new URL("../../ground-settlement/dist/cli.js", import.meta.url));
const STARTUP_TIMEOUT_MS = 60_000;
const OUTPUT_CHARS_MAX = 4_000_000;

export interface GroundProcesses {
  /** The first API's address; `urls` has every API's. */
  readonly url: string;
  readonly urls: readonly string[];
  /** The PostgreSQL database's address; empty when embedded. */
  readonly databaseUrl: string;
  /** The signing keys, and the embedded database's folder (`pglite/`) when embedded. */
  readonly dataDir: string;
  readonly opsKey: string;
  readonly financeKey: string;
  /** Everything the processes printed, for a failing test to show. */
  log(): string;
  /** Starts the first API (on the port it had) or the first worker process again. */
  start(role: Role): Promise<void>;
  kill(role: Role, signal: NodeJS.Signals): Promise<void>;
  /** Whether the process is still up (it did not crash). */
  isRunning(role: Role): boolean;
  /** Every running process: its role, instance and pid (for measuring its memory). */
  processes(): { name: string; pid: number }[];
  /** Stops every process and keeps the data (read it once they are down). */
  halt(): Promise<void>;
  /** Stops every process and removes the data: the database, the data folder. */
  stop(): Promise<void>;
}

export type Role = "serve" | "worker";

export async function startGroundProcesses(options: {
  postgresUrl: string;
  redisUrl: string;
  /** How many API and worker processes: one each unless given (scale-out runs more). */
  apis?: number;
  workers?: number;
  /** The default of `npm start` instead: one process, API and workers, on the embedded PGlite in its data folder. */
  embedded?: boolean;
}): Promise<GroundProcesses> {
  const name = `cabinpay_e2e_${randomBytes(6).toString("hex")}`;
  const embedded = options.embedded === true;
  if (!embedded) {
    const admin = new pg.Client({ connectionString: options.postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  }
  const databaseUrl = embedded ? "" : Object.assign(new URL(options.postgresUrl), { pathname: `/${name}` }).toString();
  const dataDir = mkdtempSync(join(tmpdir(), "cabinpay-e2e-ground-"));
  const { DATABASE_URL: _server, ...environment } = process.env;
  const env = {
    ...environment,
    ...(embedded ? {} : { DATABASE_URL: databaseUrl }),
    // Node's options for the ground's processes alone (V8's heap limits, say), not this one's.
    ...(process.env["GROUND_NODE_OPTIONS"] === undefined ? {} : { NODE_OPTIONS: process.env["GROUND_NODE_OPTIONS"] }),
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: `e2e-${name.slice(-12)}`,
    DATA_DIR: dataDir, // the signing keys, shared by API and workers; the embedded database's folder
    PORT: "0",
    LOG_LEVEL: "info", // the default in production, and the workers say they are ready at info
    // A job whose worker or Redis died is taken over after 5 s rather than 30: the faults tests wait less.
    WORKER_LOCK_MS: "5000",
    // One test machine plays 150 passengers from one address.
    REGISTRATIONS_PER_MINUTE: "100000",
    LOGIN_ATTEMPTS_PER_MINUTE: "100000",
  };
  const cli = async (...args: string[]) => (await promisify(execFile)(process.execPath, [CLI, ...args], { env })).stdout;
  // Migrated once, before two processes would race to do it.
  await cli("migrate");
  const keyOf = (printed: string) => /^(cpk_\S+)$/m.exec(printed)?.[1] ?? "";
  const opsKey = keyOf(await cli("api-key", "create", "--role", "ops", "--name", "e2e ops"));
  const financeKey = keyOf(await cli("api-key", "create", "--role", "finance", "--name", "e2e finance"));

  let output = "";
  const running = new Map<string, ChildProcess>();
  const ports = new Map<string, string>();
  /** Starts instance `name` of `role`; an API comes back on the port it had (terminals look for it there). */
  const start = async (role: Role | "start", name: string): Promise<string> => {
    const ready = role === "worker" ? /"msg":"worker started"/ : /CabinPay ground service on (http:\/\/\S+) /;
    const child = spawn(process.execPath, [CLI, role], {
      env: { ...env, PORT: ports.get(name) ?? "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.set(name, child);
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    let mine = "";
    let started = false;
    const collect = (chunk: Buffer) => {
      if (!started) mine += chunk.toString("utf8");
      output += `[${name}] ${chunk.toString("utf8")}`;
      // A long run prints much; keep the end, which is what a failure shows.
      if (output.length > OUTPUT_CHARS_MAX) output = output.slice(-OUTPUT_CHARS_MAX / 2);
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    for (;;) {
      const match = ready.exec(mine);
      if (match !== null) {
        if (role !== "worker") ports.set(name, new URL(match[1] ?? "").port);
        started = true; // what it prints from now on is only kept in `output`
        return match[1] ?? "";
      }
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ground ${role} did not start:\n${mine}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const kill = async (name: string, signal: NodeJS.Signals): Promise<void> => {
    const child = running.get(name);
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  };
  const apiNames = Array.from({ length: embedded ? 0 : (options.apis ?? 1) }, (_, i) => `serve#${i + 1}`);
  const workerNames = Array.from({ length: embedded ? 0 : (options.workers ?? 1) }, (_, i) => `worker#${i + 1}`);
  const urls = embedded ? [await start("start", "start#1")] : await Promise.all(apiNames.map((name) => start("serve", name)));
  await Promise.all(workerNames.map((name) => start("worker", name)));
  const halt = () => Promise.all([...running.keys()].map((name) => kill(name, "SIGTERM")));
  const url = urls[0]!;
  const first = (role: Role) => `${role}#1`;
  return {
    url,
    urls,
    databaseUrl,
    opsKey,
    financeKey,
    log: () => output,
    start: async (role) => {
      await start(role, first(role));
    },
    kill: (role, signal) => kill(first(role), signal),
    isRunning: (role) => {
      const child = running.get(first(role));
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    processes: () =>
      [...running.entries()]
        .filter(([, child]) => child.exitCode === null && child.signalCode === null && child.pid !== undefined)
        .map(([name, child]) => ({ name, pid: child.pid! })),
    dataDir,
    async halt() {
      await halt();
    },
    async stop() {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
      if (embedded) return;
      const cleanup = new pg.Client({ connectionString: options.postgresUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
