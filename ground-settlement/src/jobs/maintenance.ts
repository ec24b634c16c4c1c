/**
 * Maintenance jobs on BullMQ, run by the worker every minute: expire holds whose time has passed,
 * release any hold left on a closed flight, collect shortfalls from wallets that have money again
 * (a bounded batch a run), and forget request nonces older than the replay window. Each job is idempotent (transfer ids are
 * derived from what they resolve), small (a bounded batch) and retried with backoff.
 */
import { REQUEST_WINDOW_MS } from "@cabinpay/shared";
import { Queue, UnrecoverableError, Worker } from "bullmq";
import { lt } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import type { Database } from "../db/client.js";
import { requestNonces } from "../db/schema/terminals.js";
import { derivedId } from "../ids.js";
import { duePendingIds, expirePending, LedgerError } from "../ledger/ledger.js";
import { releaseHoldsOfClosedFlights } from "../services/flight-close.js";
import { collectDueShortfalls } from "../services/shortfalls.js";
import { JOB_POLICIES, MAINTENANCE_EVERY_MS } from "./policies.js";
import { refuseForeign } from "./settlement.js";

export const MAINTENANCE_QUEUE = "maintenance";
/** Holds expired per job run; the next run takes the rest. */
export const EXPIRE_BATCH_MAX = 500;

export interface MaintenanceOptions {
  readonly db: Database;
  readonly redisUrl: string;
  /** BullMQ key prefix: one per deployment (and per test). */
  readonly prefix: string;
  readonly deploymentId: string;
  readonly now: () => number;
  readonly logger: FastifyBaseLogger;
}

export interface Maintenance {
  readonly queue: Queue;
  readonly worker: Worker;
  close(): Promise<void>;
}

export async function expireDueHolds(db: Database, nowMs: number): Promise<number> {
  let expired = 0;
  for (const pendingId of await duePendingIds(db, nowMs, EXPIRE_BATCH_MAX)) {
    try {
      await db.transaction((tx) => expirePending(tx, { id: derivedId(`expire:${pendingId}`), pendingId, code: "hold_expired", nowMs }));
      expired += 1;
    } catch (error) {
      // Resolved meanwhile by a settlement or a cancellation: nothing left to expire.
      if (!(error instanceof LedgerError && error.code === "pending_already_resolved")) throw error;
    }
  }
  return expired;
}

export async function purgeNonces(db: Database, nowMs: number): Promise<number> {
  const purged = await db
    .delete(requestNonces)
    .where(lt(requestNonces.seenAtMs, nowMs - 2 * REQUEST_WINDOW_MS))
    .returning({ nonce: requestNonces.nonce });
  return purged.length;
}

export async function startMaintenance(options: MaintenanceOptions): Promise<Maintenance> {
  const connection = { url: options.redisUrl, maxRetriesPerRequest: null };
  const queue = new Queue(MAINTENANCE_QUEUE, { connection, prefix: options.prefix });
  const jobOptions = JOB_POLICIES.maintenance;
  const data = { deploymentId: options.deploymentId };
  await queue.upsertJobScheduler("holds-expire", { every: MAINTENANCE_EVERY_MS }, { name: "holds/expire", data, opts: jobOptions });
  await queue.upsertJobScheduler(
    "holds-release-closed",
    { every: MAINTENANCE_EVERY_MS },
    { name: "holds/release-closed", data, opts: jobOptions },
  );
  await queue.upsertJobScheduler(
    "shortfalls-collect",
    { every: MAINTENANCE_EVERY_MS },
    { name: "shortfalls/collect", data, opts: jobOptions },
  );
  await queue.upsertJobScheduler("nonces-purge", { every: MAINTENANCE_EVERY_MS }, { name: "nonces/purge", data, opts: jobOptions });
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      refuseForeign(job, options.deploymentId);
      const nowMs = options.now();
      switch (job.name) {
        case "holds/expire":
          return { expired: await expireDueHolds(options.db, nowMs) };
        case "holds/release-closed":
          return { released: await releaseHoldsOfClosedFlights(options.db, nowMs) };
        case "shortfalls/collect":
          return await collectDueShortfalls(options.db, nowMs);
        case "nonces/purge":
          return { purged: await purgeNonces(options.db, nowMs) };
        default:
          throw new UnrecoverableError(`unknown maintenance job ${job.name}`);
      }
    },
    { connection, prefix: options.prefix, concurrency: 1, lockDuration: 60_000 },
  );
  worker.on("failed", (job, error) =>
    options.logger.warn({ job: job?.name, attempts: job?.attemptsMade, err: error }, "maintenance job failed"),
  );
  worker.on("completed", (job, result) => options.logger.debug({ job: job.name, result }, "maintenance job done"));
  return {
    queue,
    worker,
    async close() {
      // Lets the running job finish, then stops taking new ones.
      await worker.close();
      await queue.close();
    },
  };
}
