/**
 * The settlement pipeline on BullMQ. Pending settlement rows are the outbox: the sweeper turns
 * them into jobs after each upload and every few seconds, so a crash or a Redis outage between the
 * upload's commit and the enqueue loses nothing. A job settles a chunk of one terminal's records
 * (its first record id is the jobId); closing a flight is a job of its own.
 */
import { isUuid } from "@cabinpay/shared";
import { type ConnectionOptions, type Job, type JobsOptions, Queue, type QueueOptions, UnrecoverableError, Worker } from "bullmq";
import { and, asc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import type { Database } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { settlements, terminalChains } from "../db/schema/uploads.js";
import { derivedId } from "../ids.js";
import { CLOSE_DEADLINE_AFTER_DEPARTURE_MS, closeFlight } from "../services/flight-close.js";
import { settleRecords } from "../services/settlement.js";

export const SETTLEMENT_QUEUE = "settlement";
/** Records per settlement job: one transaction each, so debits outnumber jobs. */
export const SETTLE_CHUNK_MAX = 1_000;
/** Pending rows taken per sweep. */
export const SWEEP_ROWS_MAX = 20_000;
/** A pending row enqueued this long ago without being settled is enqueued again. */
export const REENQUEUE_AFTER_MS = 5 * 60_000;
export const SWEEP_EVERY_MS = 5_000;
export const CLOSE_CHECK_EVERY_MS = 60_000;

const SETTLE_JOB: JobsOptions = {
  attempts: 10,
  backoff: { type: "exponential", delay: 500 },
  removeOnComplete: 1_000,
  removeOnFail: 5_000,
};
const CLOSE_JOB: JobsOptions = { attempts: 200, backoff: { type: "fixed", delay: 3_000 }, removeOnComplete: true, removeOnFail: 1_000 };

export interface SettlementOptions {
  readonly db: Database;
  readonly redisUrl: string;
  readonly prefix: string;
  /** Jobs of another deployment's database are refused, never run against this one. */
  readonly deploymentId: string;
  readonly now: () => number;
  readonly logger: FastifyBaseLogger;
  /** Concurrent jobs per worker process (chosen by measurement: docs/performance.md). */
  readonly concurrency: number;
  /** BullMQ lock: a job whose worker died is taken over after about this long. */
  readonly lockDurationMs: number;
}

/** The settlement queue of one deployment: every job put on it names the deployment's database. */
export class SettlementQueue extends Queue {
  constructor(
    options: QueueOptions,
    readonly deploymentId: string,
  ) {
    super(SETTLEMENT_QUEUE, options);
  }
}

/** A queue for enqueueing only, failing fast when Redis is away (the sweeper catches up later). */
export function settlementQueue(redisUrl: string, prefix: string, deploymentId: string): SettlementQueue {
  const connection: ConnectionOptions = { url: redisUrl, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 };
  const queue = new SettlementQueue({ connection, prefix }, deploymentId);
  queue.on("error", () => {}); // a Redis outage surfaces as failed adds, handled by the sweeper
  return queue;
}

/**
 * Enqueues pending settlements (all, or one terminal's on one flight), in chunks of one terminal's
 * consecutive records. Returns how many records were enqueued.
 */
export async function sweepOutbox(
  db: Database,
  queue: SettlementQueue,
  nowMs: number,
  scope?: { terminalId: string; flightId: string },
): Promise<number> {
  const due = or(isNull(settlements.enqueuedAtMs), lt(settlements.enqueuedAtMs, nowMs - REENQUEUE_AFTER_MS));
  const rows = await db
    .select({
      recordId: settlements.recordId,
      terminalId: settlements.terminalId,
      flightId: settlements.flightId,
      enqueuedAtMs: settlements.enqueuedAtMs,
    })
    .from(settlements)
    .where(
      and(
        eq(settlements.status, "pending"),
        due,
        ...(scope ? [eq(settlements.terminalId, scope.terminalId), eq(settlements.flightId, scope.flightId)] : []),
      ),
    )
    .orderBy(asc(settlements.terminalId), asc(settlements.flightId), asc(settlements.sequence))
    .limit(SWEEP_ROWS_MAX);
  const chunks: (typeof rows)[] = [];
  for (const row of rows) {
    const last = chunks.at(-1);
    if (
      last !== undefined &&
      last.length < SETTLE_CHUNK_MAX &&
      last[0]!.terminalId === row.terminalId &&
      last[0]!.flightId === row.flightId
    )
      last.push(row);
    else chunks.push([row]);
  }
  const fresh = chunks.filter((chunk) => chunk.every((row) => row.enqueuedAtMs === null));
  if (fresh.length > 0) {
    await queue.addBulk(
      fresh.map((chunk) => ({
        name: "settle/records",
        data: { recordIds: chunk.map((row) => row.recordId), deploymentId: queue.deploymentId },
        opts: { ...SETTLE_JOB, jobId: settleJobId(chunk) },
      })),
    );
  }
  for (const chunk of chunks.filter((c) => !fresh.includes(c))) {
    await requeue(
      queue,
      settleJobId(chunk),
      "settle/records",
      { recordIds: chunk.map((row) => row.recordId), deploymentId: queue.deploymentId },
      SETTLE_JOB,
    );
  }
  const ids = rows.map((row) => row.recordId);
  for (let i = 0; i < ids.length; i += 5_000) {
    await db
      .update(settlements)
      .set({ enqueuedAtMs: nowMs })
      .where(inArray(settlements.recordId, ids.slice(i, i + 5_000)));
  }
  return ids.length;
}

/**
 * A settle job's id names exactly the records it settles. Named by its first record alone, a chunk
 * that grew (its rows were queued, but marking them so failed, and the next upload's sweep took
 * them again with more) would be taken for the old job and dropped: the new records would wait
 * for the sweeper's re-enqueue, minutes later.
 */
function settleJobId(chunk: readonly { recordId: string }[]): string {
  return derivedId(`settle:${chunk.map((row) => row.recordId).join(",")}`);
}

/** Adds a job, or revives the one with that id if it failed or finished without its work done. */
async function requeue(queue: Queue, jobId: string, name: string, data: object, opts: JobsOptions): Promise<void> {
  const existing = await queue.getJob(jobId);
  const state = existing === undefined ? undefined : await existing.getState();
  if (existing !== undefined && state === "failed") return existing.retry();
  if (existing !== undefined && state === "completed") await existing.remove();
  if (existing === undefined || state === "completed" || state === "unknown") await queue.add(name, data, { ...opts, jobId });
}

export async function enqueueClose(queue: SettlementQueue, flightId: string, force: boolean): Promise<void> {
  await requeue(queue, `close-${flightId}`, "flight/close", { flightId, force, deploymentId: queue.deploymentId }, CLOSE_JOB);
}

/** Flights that may close now: all assigned terminals closed their service, or the deadline passed. */
export async function enqueueDueCloses(db: Database, queue: SettlementQueue, nowMs: number): Promise<number> {
  const candidates = await db
    .select({ id: flights.id })
    .from(flights)
    .where(
      and(
        isNull(flights.closedAtMs),
        or(
          lt(flights.departureAtMs, nowMs - CLOSE_DEADLINE_AFTER_DEPARTURE_MS),
          sql`exists (select 1 from ${terminalChains} c where c.flight_id = ${flights.id} and c.closed_at_ms is not null)`,
        ),
      ),
    )
    .limit(1_000);
  for (const flight of candidates) await enqueueClose(queue, flight.id, false);
  return candidates.length;
}

/**
 * A job made by another deployment (one sharing this prefix against the rules) is refused, without
 * retrying: run here it would settle against the wrong database ("no flight …") and be lost there.
 */
export function refuseForeign(job: Job, deploymentId: string): void {
  const owner = (job.data as { deploymentId?: unknown } | undefined)?.deploymentId;
  if (owner !== deploymentId) {
    throw new UnrecoverableError(`job ${job.name} is for deployment ${String(owner)}, not this database's ${deploymentId}: not taken`);
  }
}

export interface Settlement {
  readonly queue: SettlementQueue;
  readonly worker: Worker;
  close(): Promise<void>;
}

export async function startSettlement(options: SettlementOptions): Promise<Settlement> {
  const connection: ConnectionOptions = { url: options.redisUrl, maxRetriesPerRequest: null };
  const queue = new SettlementQueue({ connection, prefix: options.prefix }, options.deploymentId);
  const schedulerOpts = { attempts: 3, backoff: { type: "exponential", delay: 1_000 }, removeOnComplete: 100, removeOnFail: 1_000 };
  const data = { deploymentId: options.deploymentId };
  await queue.upsertJobScheduler("outbox-sweep", { every: SWEEP_EVERY_MS }, { name: "outbox/sweep", data, opts: schedulerOpts });
  await queue.upsertJobScheduler(
    "flights-close-due",
    { every: CLOSE_CHECK_EVERY_MS },
    { name: "flights/close-due", data, opts: schedulerOpts },
  );
  const worker = new Worker(SETTLEMENT_QUEUE, (job) => processSettlementJob(job, options, queue), {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.lockDurationMs,
    maxStalledCount: 3,
  });
  worker.on("failed", (job, error) =>
    options.logger.warn({ job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, "settlement job failed"),
  );
  return {
    queue,
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

/** Waiting for something (a sale to settle, settlements before a close) throws NotYetError: retried. */
async function processSettlementJob(job: Job, options: SettlementOptions, queue: SettlementQueue): Promise<unknown> {
  refuseForeign(job, options.deploymentId);
  const nowMs = options.now();
  switch (job.name) {
    case "settle/records": {
      const recordIds = (job.data as { recordIds?: unknown }).recordIds;
      if (!Array.isArray(recordIds) || recordIds.length === 0 || recordIds.length > SETTLE_CHUNK_MAX || !recordIds.every(isUuid)) {
        throw new UnrecoverableError(`settle/records needs 1 to ${SETTLE_CHUNK_MAX} record ids`);
      }
      const result = await settleRecords(options.db, recordIds, nowMs);
      options.logger.debug({ jobId: job.id, ...result }, "records settled");
      return result;
    }
    case "flight/close": {
      const { flightId, force } = job.data as { flightId?: unknown; force?: unknown };
      if (typeof flightId !== "string" || !isUuid(flightId)) throw new UnrecoverableError("flight/close needs a flight id");
      const outcome = await closeFlight(options.db, flightId, nowMs, { force: force === true });
      if (outcome === "closed") options.logger.info({ flightId }, "flight closed: holds released");
      return { outcome };
    }
    case "outbox/sweep":
      return { enqueued: await sweepOutbox(options.db, queue, nowMs) };
    case "flights/close-due":
      return { enqueued: await enqueueDueCloses(options.db, queue, nowMs) };
    default:
      throw new UnrecoverableError(`unknown settlement job ${job.name}`);
  }
}
