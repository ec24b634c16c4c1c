/**
 * Opens what the ground service runs on (database, Redis, keys) with messages that say what to do
 * when something is missing, and closes it all in reverse order.
 */
import { join } from "node:path";
import { Redis } from "ioredis";
import type { Config } from "../config.js";
import { type DatabaseHandle, openDatabase, pgliteDirIn } from "../db/client.js";
import { queueJobs, type SettlementQueue, settlementQueue } from "../jobs/settlement.js";
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
    namedStatementsMax: config.namedStatementsMax,
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
  const assembled = await assembleInfrastructure({ config, database, redis, now: Date.now, passwordCostLog2N: PASSWORD_COST_LOG2N }).catch(
    async (error: Error) => {
      redis.disconnect();
      await database.close();
      throw error;
    },
  );
  return {
    ...assembled.infra,
    async close() {
      await assembled.queue.close();
      redis.disconnect();
      await database.close();
    },
  };
}

/**
 * What the service runs on, once its database and Redis are open: the deployment's queue prefix
 * (which carries the database's identity), the keys, the settlement queue behind the outbox. The
 * tests' app is assembled by the same function over its own database, Redis and clock.
 */
export async function assembleInfrastructure(parts: {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly redis: Redis;
  readonly now: () => number;
  readonly passwordCostLog2N: number;
}): Promise<{ readonly infra: Infrastructure; readonly queue: SettlementQueue }> {
  const { config, database, redis } = parts;
  const queues = await deploymentQueues(database.db, redis, config.queuePrefix);
  const keys: KeyStore = fileKeyStore(join(config.dataDir, "keys"));
  const queue = settlementQueue(config.redisUrl, queues.queuePrefix, queues.deploymentId);
  const infra: Infrastructure = {
    // The queue prefix in force is the deployment's own.
    config: { ...config, queuePrefix: queues.queuePrefix },
    deploymentId: queues.deploymentId,
    database,
    redis,
    keys,
    settlementJobs: queueJobs(queue),
    now: parts.now,
    passwordCostLog2N: parts.passwordCostLog2N,
  };
  return { infra, queue };
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
