/**
 * A Redis for a run on one machine (`npm run demo`): REDIS_URL when it is set, else the machine's
 * default at 127.0.0.1:6379, else a private `redis-server` started on a free port and stopped with
 * the run, else an error that says how to get one. The job queue cannot work without Redis.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { freePort } from "@cabinpay/shared/node";
import { Redis } from "ioredis";

export const LOCAL_REDIS_DEFAULT_URL = "redis://127.0.0.1:6379";
const PROBE_TIMEOUT_MS = 1_500;
const PRIVATE_START_TIMEOUT_MS = 15_000;

export interface LocalRedis {
  readonly url: string;
  readonly source: "REDIS_URL" | "local default" | "private redis-server";
  /** Stops the private server, if this run started one. */
  stop(): Promise<void>;
}

/** No Redis could be found or started; the message says what to do. */
export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

export interface FindRedisOptions {
  readonly redisUrl: string | undefined;
  /** Where a private server keeps its append-only file. */
  readonly privateDir: string;
  readonly defaultUrl?: string;
  readonly redisServerBinary?: string;
}

export async function findLocalRedis(options: FindRedisOptions): Promise<LocalRedis> {
  const none = async () => undefined;
  if (options.redisUrl !== undefined && options.redisUrl !== "") {
    if (await redisAnswers(options.redisUrl)) return { url: options.redisUrl, source: "REDIS_URL", stop: none };
    throw new RedisUnavailableError(
      `Redis at REDIS_URL (${options.redisUrl}) does not answer. Start that server, or unset REDIS_URL to use a local one.`,
    );
  }
  const defaultUrl = options.defaultUrl ?? LOCAL_REDIS_DEFAULT_URL;
  if (await redisAnswers(defaultUrl)) return { url: defaultUrl, source: "local default", stop: none };
  const started = await startPrivateRedis(options.redisServerBinary ?? "redis-server", options.privateDir);
  if (started !== undefined) return started;
  throw new RedisUnavailableError(
    [
      `CabinPay's job queue needs Redis, and none was found: REDIS_URL is not set, nothing answers at ${defaultUrl},`,
      "and no redis-server is installed to start a private one. Do one of these, then run again:",
      "  - install it: sudo apt-get install redis-server (Debian, Ubuntu) or brew install redis (macOS)",
      "  - or point at one: REDIS_URL=redis://host:6379 npm run demo",
    ].join("\n"),
  );
}

/** Whether a Redis answers PING at the URL, within a short timeout. */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on("error", () => {}); // the failed probe is the answer
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Undefined when the binary is not installed. */
async function startPrivateRedis(binary: string, dir: string): Promise<LocalRedis | undefined> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  // Append-only so queued jobs survive a crash of this server; the data lives in the run's folder.
  const child = spawn(
    binary,
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--loglevel", "warning"],
    { stdio: "ignore" },
  );
  const spawned = await new Promise<boolean>((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", () => resolve(false));
  });
  if (!spawned) return undefined;
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + PRIVATE_START_TIMEOUT_MS;
  while (!(await redisAnswers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new RedisUnavailableError(`the private redis-server on port ${port} did not start (its files are in ${dir})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, source: "private redis-server", stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
