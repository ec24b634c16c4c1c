/** The ground app on a fresh database and the test Redis, with a clock the test can move. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "@cabinpay/shared";
import type { FastifyInstance } from "fastify";
import { inject } from "vitest";
import { buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import type { Database } from "../../src/db/client.js";
import type { Infrastructure } from "../../src/plugins/infrastructure.js";
import { assembleInfrastructure, connectRedis } from "../../src/runtime/bootstrap.js";
import { createTestDatabase, type Engine } from "./databases.js";

/** 2026-11-25T00:00Z: a week before the sample flights. */
export const TEST_START_MS = Date.UTC(2026, 10, 25);

export interface TestApp {
  readonly app: FastifyInstance;
  readonly db: Database;
  readonly infra: Infrastructure;
  readonly clock: { nowMs: number };
  /** The test database's PostgreSQL URL (undefined on PGlite), for worker processes. */
  readonly databaseUrl: string | undefined;
  /**
   * The `QUEUE_PREFIX` the app was started with, for worker processes: each appends the
   * deployment's id, as the app did to make `infra.config.queuePrefix`.
   */
  readonly queuePrefixSetting: string;
  close(): Promise<void>;
}

export async function createTestApp(
  engine: Engine,
  env: Record<string, string> = {},
  options: { passwordCostLog2N?: number } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(engine);
  const redisUrl = env["REDIS_URL"] ?? inject("redisUrl");
  const redis = await connectRedis(redisUrl);
  const dataDir = mkdtempSync(join(tmpdir(), "cabinpay-ground-"));
  // A queue prefix of its own: tests share one Redis.
  const config = loadConfig({
    LOG_LEVEL: "silent",
    DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `test-${newId()}`,
    // Tests sign many passengers up from one address; the limits have a test of their own.
    LOGIN_ATTEMPTS_PER_MINUTE: "100000",
    REGISTRATIONS_PER_MINUTE: "100000",
    ...env,
  });
  const clock = { nowMs: TEST_START_MS };
  // As the service starts, over the test's own database, Redis and clock. Cheap hashes: these
  // tests make many accounts; the cost itself is tested in auth.test.ts.
  const { infra, queue: settlement } = await assembleInfrastructure({
    config,
    database: database.handle,
    redis,
    now: () => clock.nowMs,
    passwordCostLog2N: options.passwordCostLog2N ?? 10,
  });
  const app = await buildApp(infra);
  await app.ready();
  return {
    app,
    db: database.handle.db,
    infra,
    clock,
    databaseUrl: database.url,
    queuePrefixSetting: config.queuePrefix,
    async close() {
      await app.close();
      await settlement.obliterate({ force: true });
      await settlement.close();
      await redis.del(`${infra.config.queuePrefix}:deployment`);
      redis.disconnect();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
