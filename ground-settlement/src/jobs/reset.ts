/**
 * Empties this deployment's queues (jobs, schedulers, counters) under a prefix. For a fresh start
 * on a fresh database only (`npm run demo`): jobs left by an earlier run would name records that
 * no longer exist. Never on a live deployment, whose outbox the queues mirror.
 */
import { Queue } from "bullmq";
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
}
