/**
 * Empties a deployment's queues (jobs, schedulers, counters) under its prefix, and its claim on the
 * prefix. For a deployment whose database is thrown away (`npm run demo` at its end): its queues
 * would otherwise stay in a shared Redis. Never on a live deployment, whose outbox they mirror.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { MAINTENANCE_QUEUE } from "./maintenance.js";
import { SETTLEMENT_QUEUE } from "./settlement.js";

export async function resetQueues(redisUrl: string, prefix: string): Promise<void> {
  for (const name of [SETTLEMENT_QUEUE, MAINTENANCE_QUEUE]) {
    const queue = new Queue(name, { connection: { url: redisUrl, maxRetriesPerRequest: 1 }, prefix });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await redis.del(`${prefix}:deployment`);
  } finally {
    redis.disconnect();
  }
}
