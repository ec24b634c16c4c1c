/** `npm run demo`'s Redis: REDIS_URL, else the local default, else a private redis-server, else how to get one. */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@cabinpay/shared/node";
import { describe, expect, inject, it } from "vitest";
import { findLocalRedis, RedisUnavailableError, redisAnswers } from "../src/runtime/local-redis.js";

const privateDir = () => join(mkdtempSync(join(tmpdir(), "cabinpay-redis-")), "redis");

const deadUrl = async () => `redis://127.0.0.1:${await freePort()}`;

describe("finding a Redis for a local run", () => {
  it("takes REDIS_URL when it answers, and says so", async () => {
    const redis = await findLocalRedis({ redisUrl: inject("redisUrl"), privateDir: privateDir(), defaultUrl: await deadUrl() });
    expect(redis).toMatchObject({ url: inject("redisUrl"), source: "REDIS_URL" });
  });

  it("refuses a REDIS_URL that does not answer, rather than quietly using another", async () => {
    const url = await deadUrl();
    await expect(findLocalRedis({ redisUrl: url, privateDir: privateDir(), defaultUrl: inject("redisUrl") })).rejects.toThrow(
      `Redis at REDIS_URL (${url}) does not answer`,
    );
  });

  it("uses the machine's default when it answers", async () => {
    const redis = await findLocalRedis({ redisUrl: undefined, privateDir: privateDir(), defaultUrl: inject("redisUrl") });
    expect(redis.source).toBe("local default");
  });

  it("otherwise starts a private redis-server with its files in the run's folder, and stops it", async () => {
    const dir = privateDir();
    const redis = await findLocalRedis({ redisUrl: undefined, privateDir: dir, defaultUrl: await deadUrl() });
    expect(redis.source).toBe("private redis-server");
    expect(await redisAnswers(redis.url)).toBe(true);
    expect(existsSync(dir)).toBe(true);
    await redis.stop();
    expect(await redisAnswers(redis.url)).toBe(false);
  });

  it("says how to get one when none is installed", async () => {
    const attempt = findLocalRedis({
      redisUrl: "",
      privateDir: privateDir(),
      defaultUrl: await deadUrl(),
      redisServerBinary: "/nonexistent/redis-server",
    });
    await expect(attempt).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(attempt).rejects.toThrow(/apt-get install redis-server[\s\S]*REDIS_URL=redis:\/\/host:6379 npm run demo/);
  });
});
