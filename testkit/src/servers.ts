/**
 * Vitest global setup: the PostgreSQL and Redis servers the tests talk to. DATABASE_URL and
 * REDIS_URL are used when given (CI points them at the machine's servers); otherwise private
 * servers are started from the installed binaries in a temporary folder and stopped afterwards.
 * A missing binary is a clear failure, never a skipped test.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@cabinpay/shared/node";
import pg from "pg";
// The augmentation below needs "vitest" in this program: no other file of the package imports it.
import type {} from "vitest";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
    redisUrl: string;
  }
}

const STARTUP_TIMEOUT_MS = 30_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  const postgres = process.env["DATABASE_URL"] ?? (await startPrivatePostgres(stops));
  const redis = process.env["REDIS_URL"] ?? (await startPrivateRedis(stops));
  project.provide("postgresUrl", postgres);
  project.provide("redisUrl", redis);
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}

function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(join(root, version, "bin", "initdb"))) return join(root, version, "bin");
  throw new Error(
    "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin). Install them (apt-get install postgresql) or set DATABASE_URL to a server the tests may create databases on.",
  );
}

async function startPrivatePostgres(stops: (() => Promise<void>)[]): Promise<string> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "cabinpay-pg-"));
  // PostgreSQL refuses to run as root: run it as the postgres user the package created.
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) =>
    asRoot ? (["runuser", ["-u", "postgres", "--", command, ...args]] as const) : ([command, args] as const);
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dir, uid, gid);
  }
  const [initCmd, initArgs] = run(join(bin, "initdb"), [
    "-D",
    join(dir, "data"),
    "-A",
    "trust",
    "-U",
    "postgres",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  execFileSync(initCmd, initArgs, { stdio: "ignore" });
  const port = await freePort();
  const [cmd, args] = run(join(bin, "postgres"), [
    "-D",
    join(dir, "data"),
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "max_connections=200",
  ]);
  const child = spawn(cmd, args, { stdio: "ignore" });
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await waitFor("PostgreSQL", child, async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.end();
  });
  stops.push(async () => {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  });
  return url;
}

async function startPrivateRedis(stops: (() => Promise<void>)[]): Promise<string> {
  const port = await freePort();
  let child: ChildProcess;
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("redis-server not found. Install it (apt-get install redis-server) or set REDIS_URL.");
  }
  child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const { Redis } = await import("ioredis");
  await waitFor("Redis", child, async () => {
    const redis = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await redis.connect();
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  });
  stops.push(() => stop(child));
  return `redis://127.0.0.1:${port}`;
}

async function waitFor(what: string, child: ChildProcess, probe: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} while starting`);
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill("SIGKILL");
  throw new Error(`${what} did not start within ${STARTUP_TIMEOUT_MS} ms: ${String(lastError)}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}
