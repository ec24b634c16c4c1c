/**
 * Deployments sharing a Redis never take each other's jobs (issue 15, point 11): each database's
 * queue prefix carries its identity, a second database cannot claim a prefix that is taken, and a
 * worker refuses a job made for another database (maintenance.test.ts shows the refusal).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectRedis } from "../src/runtime/bootstrap.js";
import { deploymentQueues } from "../src/runtime/deployment.js";
import { createTestDatabase, type TestDatabase } from "./support/databases.js";

describe("one deployment's job queues", () => {
  let one: TestDatabase;
  let two: TestDatabase;
  let redis: Awaited<ReturnType<typeof connectRedis>>;
  const base = `test-deploy-${crypto.randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    [one, two] = await Promise.all([createTestDatabase("postgres"), createTestDatabase("pglite")]);
    redis = await connectRedis(inject("redisUrl"));
  });
  afterAll(async () => {
    const keys = await redis.keys(`${base}-*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await Promise.all([one.drop(), two.drop()]);
  });

  it("gives two databases on one Redis and one configured prefix two queue prefixes, each stable across restarts", async () => {
    const a = await deploymentQueues(one.handle.db, redis, base);
    const b = await deploymentQueues(two.handle.db, redis, base);
    expect(a.queuePrefix).not.toBe(b.queuePrefix);
    expect(a.deploymentId).not.toBe(b.deploymentId);
    expect(a.queuePrefix.startsWith(`${base}-`)).toBe(true);
    expect(await deploymentQueues(one.handle.db, redis, base)).toEqual(a);
  });

  it("refuses to start a database on a prefix another database holds", async () => {
    const a = await deploymentQueues(one.handle.db, redis, base);
    // As if two deployments had been copied from one database and then diverged.
    await redis.set(`${a.queuePrefix}:deployment`, crypto.randomUUID());
    await expect(deploymentQueues(one.handle.db, redis, base)).rejects.toThrow(/belong to another database.*QUEUE_PREFIX/);
  });
});
