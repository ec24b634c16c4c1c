/**
 * The settlement outbox. Pending settlement rows are the outbox: after each upload (and every few
 * seconds, by the worker's sweeper) they are handed to the job queue in chunks of one terminal's
 * consecutive records, so a crash or a Redis outage between an upload's commit and the enqueue
 * loses nothing. This module knows rows and chunks; `jobs/settlement.ts` knows BullMQ.
 */
import { and, asc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { anyUuid, type Database } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { settlements, terminalChains } from "../db/schema/uploads.js";
import { derivedId } from "../ids.js";
import { CLOSE_DEADLINE_AFTER_DEPARTURE_MS } from "./flight-close.js";

/** Records per settlement job: one transaction each, so debits outnumber jobs. */
export const SETTLE_CHUNK_MAX = 1_000;
/** Pending rows taken per sweep. */
export const SWEEP_ROWS_MAX = 20_000;
/** A pending row enqueued this long ago without being settled is enqueued again. */
export const REENQUEUE_AFTER_MS = 5 * 60_000;
/** Flights looked at per check for a due close. */
const DUE_CLOSES_MAX = 1_000;

/** A settle job: the records it settles, and an id that names exactly them. */
export interface SettleChunk {
  readonly jobId: string;
  readonly recordIds: readonly string[];
  /** Never handed to the queue before (else it is revived if it failed or finished undone). */
  readonly fresh: boolean;
}

/** What the outbox needs of a job queue. Both calls are idempotent by job id. */
export interface SettlementJobs {
  settle(chunks: readonly SettleChunk[]): Promise<void>;
  close(flightId: string, force: boolean): Promise<void>;
}

/** Whether work was handed to the queue now; if not, why (the sweeper enqueues it later). */
export type Enqueued = { readonly enqueued: true } | { readonly enqueued: false; readonly error: string };

export interface OutboxScope {
  readonly terminalId: string;
  readonly flightId: string;
}

/** Enqueues pending settlements (all, or one terminal's on one flight). Returns how many records. */
export async function sweepOutbox(db: Database, jobs: SettlementJobs, nowMs: number, scope?: OutboxScope): Promise<number> {
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
  await jobs.settle(chunksOf(rows, (row) => row.enqueuedAtMs === null));
  const ids = rows.map((row) => row.recordId);
  // One array parameter per statement: a list of them cost drizzle and PostgreSQL a parameter each.
  for (let i = 0; i < ids.length; i += 5_000) {
    await db
      .update(settlements)
      .set({ enqueuedAtMs: nowMs })
      .where(anyUuid(settlements.recordId, ids.slice(i, i + 5_000)));
  }
  return ids.length;
}

/** Rows in chain order, cut into chunks of one terminal's records on one flight; `fresh` says which were never queued. */
function chunksOf<Row extends { recordId: string; terminalId: string; flightId: string }>(
  rows: readonly Row[],
  fresh: (row: Row) => boolean,
): SettleChunk[] {
  const chunks: Row[][] = [];
  for (const row of rows) {
    const last = chunks.at(-1);
    const sameChain = last !== undefined && last[0]!.terminalId === row.terminalId && last[0]!.flightId === row.flightId;
    if (sameChain && last.length < SETTLE_CHUNK_MAX) last.push(row);
    else chunks.push([row]);
  }
  return chunks.map((chunk) => ({
    jobId: settleJobId(chunk),
    recordIds: chunk.map((row) => row.recordId),
    fresh: chunk.every(fresh),
  }));
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

/**
 * After an upload or a retry committed: enqueue its settlements (and the flight's close) now if the
 * queue answers. If it does not, nothing is lost: the sweeper enqueues them later. Says which.
 */
export async function enqueueSoon(
  db: Database,
  jobs: SettlementJobs,
  scope: OutboxScope,
  options: { readonly serviceClosed: boolean; readonly nowMs: number },
): Promise<Enqueued> {
  try {
    await sweepOutbox(db, jobs, options.nowMs, scope);
    if (options.serviceClosed) await jobs.close(scope.flightId, false);
    return { enqueued: true };
  } catch (error) {
    return { enqueued: false, error: (error as Error).message };
  }
}

/**
 * After an upload committed: the settlements it stored, already marked enqueued, handed to the
 * queue now, from the upload's own list (no read, no second write of each row: a fleet landing
 * wave writes every settlement once less), with those of records it sent again still pending
 * (`pendingOfResent`). If the queue does not answer, they are marked not
 * enqueued again for the sweeper's next pass; should that fail too (the database went down as
 * well), the sweeper enqueues them again once they have waited `REENQUEUE_AFTER_MS`. Nothing is
 * lost either way. Then the flight's close, if the service closed.
 */
export async function enqueueUploaded(
  db: Database,
  jobs: SettlementJobs,
  scope: OutboxScope,
  upload: { readonly settling: readonly string[]; readonly resentSequences: readonly number[]; readonly serviceClosed: boolean },
): Promise<Enqueued> {
  try {
    const settling = [...(await pendingOfResent(db, scope, upload.resentSequences)), ...upload.settling];
    if (settling.length > 0) {
      const rows = settling.map((recordId) => ({ recordId, ...scope }));
      // Queued as new jobs: the upload stored them marked enqueued; a job of the same records already
      // queued keeps its place (one job per id).
      await jobs.settle(chunksOf(rows, () => true)).catch(async (error: unknown) => {
        await db
          .update(settlements)
          .set({ enqueuedAtMs: null })
          .where(and(anyUuid(settlements.recordId, settling), eq(settlements.status, "pending")));
        throw error;
      });
    }
    if (upload.serviceClosed) await jobs.close(scope.flightId, false);
    return { enqueued: true };
  } catch (error) {
    return { enqueued: false, error: (error as Error).message };
  }
}

/**
 * The settlements still pending of a batch's records the ground already held, in sequence order.
 * A terminal sends a batch again when it never had the answer, and the first upload may have
 * committed without handing its settlements to the queue (its connection dropped between the
 * commit and the answer, found by the e2e fault suite): they are queued now, not after
 * `REENQUEUE_AFTER_MS`. Where the first upload did queue them, the same records make the same job
 * id, and the queue keeps the job it has.
 */
async function pendingOfResent(db: Database, scope: OutboxScope, sequences: readonly number[]): Promise<string[]> {
  if (sequences.length === 0) return [];
  const rows = await db
    .select({ recordId: settlements.recordId })
    .from(settlements)
    .where(
      and(
        eq(settlements.terminalId, scope.terminalId),
        eq(settlements.flightId, scope.flightId),
        eq(settlements.status, "pending"),
        sql`${settlements.sequence} BETWEEN ${Math.min(...sequences)} AND ${Math.max(...sequences)}`,
      ),
    )
    .orderBy(asc(settlements.sequence));
  return rows.map((row) => row.recordId);
}

/** Flights that may close now: all assigned terminals closed their service, or the deadline passed. */
export async function enqueueDueCloses(db: Database, jobs: SettlementJobs, nowMs: number): Promise<number> {
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
    .limit(DUE_CLOSES_MAX);
  for (const flight of candidates) await jobs.close(flight.id, false);
  return candidates.length;
}
