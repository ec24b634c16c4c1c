/**
 * Opens what the ground service runs on (database, Redis, keys) with messages that say what to do
 * when something is missing, and closes it all in reverse order.
 */
import { join } from "node:path";
import { Redis } from "ioredis";
import type { Config } from "../config.js";
import { openDatabase, pgliteDirIn } from "../db/client.js";
import { queueJobs, settlementQueue } from "../jobs/settlement.js";
import { fileKeyStore, type KeyStore } from "../keys/key-store.js";
import type { Infrastructure } from "../plugins/infrastructure.js";
import { deploymentQueues } from "./deployment.js";

export const PASSWORD_COST_LOG2N = 15;

export async function openInfrastructure(
  config: Config,
  options: { migrate: boolean },
): Promise<Infrastructure & { close(): Promise<void> }> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: pgliteDirIn(config.dataDir),
    poolSizeMax: 10,
    statementTimeoutMs: 30_000,
  }).catch((error: Error) => {
    throw new Error(
      config.databaseUrl === undefined
        ? `cannot open the embedded database in ${pgliteDirIn(config.dataDir)}: ${error.message}`
        : `cannot reach PostgreSQL at ${redact(config.databaseUrl)}: ${error.message}. Check DATABASE_URL, or unset it to use the embedded database.`,
    );
  });
  try {
    if (options.migrate) await database.migrate();
    else await database.ping();
  } catch (error) {
    await database.close();
    throw new Error(`database ${database.engine}: ${(error as Error).message}`);
  }
  const redis = await connectRedis(config.redisUrl).catch(async (error: Error) => {
    await database.close();
    throw error;
  });
  const queues = await deploymentQueues(database.db, redis, config.queuePrefix).catch(async (error: Error) => {
    redis.disconnect();
    await database.close();
    throw error;
  });
  const keys: KeyStore = fileKeyStore(join(config.dataDir, "keys"));
  const queue = settlementQueue(config.redisUrl, queues.queuePrefix, queues.deploymentId);
  return {
    // The queue prefix in force is the deployment's own.
    config: { ...config, queuePrefix: queues.queuePrefix },
    deploymentId: queues.deploymentId,
    database,
    redis,
    keys,
    settlementJobs: queueJobs(queue),
    now: Date.now,
    passwordCostLog2N: PASSWORD_COST_LOG2N,
    async close() {
      await queue.close();
      redis.disconnect();
      await database.close();
    },
  };
}

/** A connection for commands; fails fast rather than queueing while Redis is away. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 });
  redis.on("error", () => {}); // reported through /ready and the failing calls, not as crashes
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis is not reachable at ${redact(url)} (${(error as Error).message}). Start one (apt-get install redis-server; redis-server --save "" --appendonly no) or set REDIS_URL.`,
    );
  }
  return redis;
}

/** A URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
