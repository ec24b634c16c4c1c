/**
 * A Redis of the test's own, with append-only persistence in a folder of its own, that the test
 * can kill and start again on the same port: what a restarted production Redis looks like.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redisAnswers } from "@cabinpay/ground-settlement/internal/runtime/local-redis";
import { freePort } from "@cabinpay/shared/node";

export interface PrivateRedis {
  readonly url: string;
  start(): Promise<void>;
  /** SIGKILL: no chance to write anything more than the append-only file already holds. */
  kill(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), "cabinpay-redis-aof-"));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    url,
    async start() {
      child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
        { stdio: "ignore" },
      );
      const deadline = Date.now() + 15_000;
      while (!(await redisAnswers(url))) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`redis-server on port ${port} did not start (is it installed?)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill() {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
  await redis.start();
  return redis;
}
