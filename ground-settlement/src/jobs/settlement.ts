/**
 * The settlement pipeline on BullMQ: the queue behind the outbox (`services/outbox.ts`) and the
 * worker. A job settles a chunk of one terminal's records (its job id names them), in one
 * transaction with the chunks of the jobs waiting beside it (`settle-together.ts`); closing a
 * flight is a job of its own; two schedulers sweep the outbox and look for flights due to close.
 */
import { isUuid } from "@cabinpay/shared";
import { type ConnectionOptions, type Job, type JobsOptions, Queue, type QueueOptions, UnrecoverableError, Worker } from "bullmq";
import type { FastifyBaseLogger } from "fastify";
import type { Database } from "../db/client.js";
import { closeFlight } from "../services/flight-close.js";
import { enqueueDueCloses, SETTLE_CHUNK_MAX, type SettleChunk, type SettlementJobs, sweepOutbox } from "../services/outbox.js";
import { type ChunkResult, settleChunks } from "../services/settlement.js";
import { CLOSE_CHECK_EVERY_MS, JOB_POLICIES, SWEEP_EVERY_MS } from "./policies.js";
import { settleTogether } from "./settle-together.js";

export const SETTLEMENT_QUEUE = "settlement";

export type SettlementJobName = "settle/records" | "flight/close" | "outbox/sweep" | "flights/close-due";
/** Every job names the deployment whose database it is for. */
interface DeploymentJobData {
  readonly deploymentId: string;
}
export interface SettleJobData extends DeploymentJobData {
  readonly recordIds: string[];
}
export interface CloseJobData extends DeploymentJobData {
  readonly flightId: string;
  readonly force: boolean;
}
/** As read back from Redis: checked before use, never trusted. */
export type SettlementJobData = DeploymentJobData | SettleJobData | CloseJobData;

export interface SettlementOptions {
  readonly db: Database;
  readonly redisUrl: string;
  readonly prefix: string;
  /** Jobs of another deployment's database are refused, never run against this one. */
  readonly deploymentId: string;
  readonly now: () => number;
  readonly logger: FastifyBaseLogger;
  /** Jobs a worker process holds at once; their chunks settle together (chosen by measurement: docs/performance.md). */
  readonly concurrency: number;
  /** BullMQ lock: a job whose worker died is taken over after about this long. */
  readonly lockDurationMs: number;
}

/** BullMQ types a job scheduler's id as a job name. */
type SchedulerId = "outbox-sweep" | "flights-close-due";

/** The settlement queue of one deployment: every job put on it names the deployment's database. */
export class SettlementQueue extends Queue<SettlementJobData, unknown, SettlementJobName | SchedulerId> {
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

/** The outbox's queue, on BullMQ: fresh chunks added in one call, others revived if they failed or finished undone. */
export function queueJobs(queue: SettlementQueue): SettlementJobs {
  return {
    async settle(chunks) {
      const job = (chunk: SettleChunk) => ({ recordIds: [...chunk.recordIds], deploymentId: queue.deploymentId }) satisfies SettleJobData;
      const fresh = chunks.filter((chunk) => chunk.fresh);
      if (fresh.length > 0)
        await queue.addBulk(
          fresh.map((chunk) => ({ name: "settle/records", data: job(chunk), opts: { ...JOB_POLICIES.settle, jobId: chunk.jobId } })),
        );
      for (const chunk of chunks.filter((c) => !c.fresh))
        await requeue(queue, chunk.jobId, "settle/records", job(chunk), JOB_POLICIES.settle);
    },
    close: (flightId, force) => enqueueClose(queue, flightId, force),
  };
}

/** Adds a job, or revives the one with that id if it failed or finished without its work done. */
async function requeue(
  queue: SettlementQueue,
  jobId: string,
  name: SettlementJobName,
  data: SettlementJobData,
  opts: JobsOptions,
): Promise<void> {
  const existing = await queue.getJob(jobId);
  const state = existing === undefined ? undefined : await existing.getState();
  if (existing !== undefined && state === "failed") return existing.retry();
  if (existing !== undefined && state === "completed") await existing.remove();
  if (existing === undefined || state === "completed" || state === "unknown") await queue.add(name, data, { ...opts, jobId });
}

export async function enqueueClose(queue: SettlementQueue, flightId: string, force: boolean): Promise<void> {
  await requeue(queue, `close-${flightId}`, "flight/close", { flightId, force, deploymentId: queue.deploymentId }, JOB_POLICIES.close);
}

/**
 * A job made by another deployment (one sharing this prefix against the rules) is refused, without
 * retrying: run here it would settle against the wrong database ("no flight …") and be lost there.
 */
export function refuseForeign(job: Job<unknown, unknown, string>, deploymentId: string): void {
  const owner = (job.data as { deploymentId?: unknown } | undefined)?.deploymentId;
  if (owner !== deploymentId) {
    throw new UnrecoverableError(`job ${job.name} is for deployment ${String(owner)}, not this database's ${deploymentId}: not taken`);
  }
}

export interface Settlement {
  readonly queue: SettlementQueue;
  readonly worker: Worker<SettlementJobData, unknown, SettlementJobName>;
  close(): Promise<void>;
}

export async function startSettlement(options: SettlementOptions): Promise<Settlement> {
  const connection: ConnectionOptions = { url: options.redisUrl, maxRetriesPerRequest: null };
  const queue = new SettlementQueue({ connection, prefix: options.prefix }, options.deploymentId);
  const schedulerOpts = JOB_POLICIES.scheduled;
  const data = { deploymentId: options.deploymentId };
  await queue.upsertJobScheduler("outbox-sweep", { every: SWEEP_EVERY_MS }, { name: "outbox/sweep", data, opts: schedulerOpts });
  await queue.upsertJobScheduler(
    "flights-close-due",
    { every: CLOSE_CHECK_EVERY_MS },
    { name: "flights/close-due", data, opts: schedulerOpts },
  );
  const settle = settleTogether((chunks) => settleChunks(options.db, chunks, options.now()));
  const worker = new Worker<SettlementJobData, unknown, SettlementJobName>(
    SETTLEMENT_QUEUE,
    (job) => processSettlementJob(job, options, queue, settle),
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.lockDurationMs,
      maxStalledCount: 3,
    },
  );
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
async function processSettlementJob(
  job: Job<SettlementJobData, unknown, SettlementJobName>,
  options: SettlementOptions,
  queue: SettlementQueue,
  settle: (recordIds: readonly string[]) => Promise<ChunkResult>,
): Promise<unknown> {
  refuseForeign(job, options.deploymentId);
  const nowMs = options.now();
  switch (job.name) {
    case "settle/records": {
      const recordIds = (job.data as { recordIds?: unknown }).recordIds;
      if (!Array.isArray(recordIds) || recordIds.length === 0 || recordIds.length > SETTLE_CHUNK_MAX || !recordIds.every(isUuid)) {
        throw new UnrecoverableError(`settle/records needs 1 to ${SETTLE_CHUNK_MAX} record ids`);
      }
      const result = await settle(recordIds);
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
      return { enqueued: await sweepOutbox(options.db, queueJobs(queue), nowMs) };
    case "flights/close-due":
      return { enqueued: await enqueueDueCloses(options.db, queueJobs(queue), nowMs) };
    default:
      throw new UnrecoverableError(`unknown settlement job ${job.name}`);
  }
}
