/**
 * Upload after landing: asks the ground where to resume, sends the rest of the chain in signed
 * batches, stores the ground's answer for every record, and retries transient failures with
 * exponential backoff up to a limit. A record counts as sent only once the ground answered for
 * it; nothing is deleted here (retention is a separate rule). Records the ground already holds are
 * counted as sent only if the ground's head is this terminal's own record: a different one means a
 * clone of this terminal uploaded another chain (a fork), which is reported, never papered over.
 */
import { createBatch, decodeRecord, GENESIS_HASH, LIMITS, type SpendSnapshot, toHex } from "@cabinpay/shared";
import { checkedOrUndefined, SequenceGapDetails } from "@cabinpay/shared/wire";
import { and, eq, gte, isNull, lt } from "drizzle-orm";
import type { UploadSummary } from "../../api/results.js";
import type { TerminalDb } from "../db/open.js";
import { records } from "../db/schema.js";
import { TerminalError } from "../errors.js";
import type { LoadedFlight } from "../flight/load.js";
import { sendCabinCounters } from "./cabin-counters.js";
import type { GroundClient } from "./client.js";
import { handOver } from "./handover.js";

export interface UploadOptions {
  readonly batchSizeMax: number;
  readonly attemptsMax: number;
  readonly backoffInitialMs: number;
  readonly backoffMsMax: number;
  /**
   * How long in all to keep coming back when the ground answers busy (503/429 with `retryAfterMs`):
   * it is up and asks us to wait, so its waits do not use up `attemptsMax`.
   */
  readonly busyWaitMsMax: number;
  /** Spreads the terminals told to come back at the same moment; `Math.random` unless a test fixes it. */
  readonly random?: () => number;
  readonly onProgress?: (progress: { sentRecords: number; totalRecords: number }) => void;
  /** Cabin sync's snapshots of the flight this terminal holds (its own and its peers'), sent down after the records. */
  readonly cabinCounters?: (flight: LoadedFlight) => readonly SpendSnapshot[];
  readonly sleep?: (ms: number) => Promise<void>;
}

export async function uploadFlight(
  db: TerminalDb,
  flight: LoadedFlight,
  client: GroundClient,
  nowMs: () => number,
  options: UploadOptions,
): Promise<UploadSummary> {
  const batchSize = Math.min(options.batchSizeMax, LIMITS.batchRecordsMax);
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const flightId = await retrying(() => client.flightId(flight.manifest.flight), options, sleep);
  const held = await retrying(() => client.chain(flightId), options, sleep);
  let { nextSequence, serviceClosed } = held;
  await refuseFork(db, flight, client, flightId, held);
  const all = db.select({ sequence: records.sequence }).from(records).where(eq(records.flightKey, flight.flightKey)).all();
  const total = all.length;
  // Records the ground already holds (an earlier upload whose answer was lost) count as sent.
  db.update(records)
    .set({ uploadedAtMs: nowMs(), uploadOutcome: "duplicate" })
    .where(and(eq(records.flightKey, flight.flightKey), lt(records.sequence, nextSequence), isNull(records.uploadedAtMs)))
    .run();
  const summary = { sent: 0, accepted: 0, duplicate: 0, rejected: [] as UploadSummary["rejected"][number][] };
  options.onProgress?.({ sentRecords: Math.min(nextSequence - 1, total), totalRecords: total });
  while (nextSequence <= total) {
    const slice = db
      .select()
      .from(records)
      .where(and(eq(records.flightKey, flight.flightKey), gte(records.sequence, nextSequence)))
      .orderBy(records.sequence)
      .limit(batchSize)
      .all();
    const [previous] = db
      .select({ hash: records.hash })
      .from(records)
      .where(and(eq(records.flightKey, flight.flightKey), eq(records.sequence, nextSequence - 1)))
      .all();
    const batch = batchOf(slice, { client, flight, firstSequence: nextSequence, previousHash: previous?.hash, nowMs: nowMs() });
    let answer: Awaited<ReturnType<GroundClient["upload"]>>;
    try {
      answer = await retrying(() => client.upload(flightId, batch), options, sleep);
    } catch (error) {
      // The ground expects another sequence (say an answer was lost): resume from there.
      const gap =
        error instanceof TerminalError && error.ground?.code === "sequence_gap"
          ? checkedOrUndefined(SequenceGapDetails, error.ground.details)
          : undefined;
      if (gap !== undefined) {
        nextSequence = gap.nextSequence;
        continue;
      }
      throw error;
    }
    const at = nowMs();
    for (const outcome of answer.records) {
      db.update(records)
        .set({ uploadedAtMs: at, uploadOutcome: outcome.reason === undefined ? outcome.outcome : `${outcome.outcome}:${outcome.reason}` })
        .where(eq(records.recordId, outcome.recordId))
        .run();
      if (outcome.outcome === "accepted") summary.accepted += 1;
      else if (outcome.outcome === "duplicate") summary.duplicate += 1;
      else summary.rejected.push({ flightKey: flight.flightKey, sequence: outcome.sequence, reason: outcome.reason ?? "rejected" });
    }
    summary.sent += answer.records.length;
    nextSequence = answer.nextSequence;
    serviceClosed = answer.serviceClosed;
    options.onProgress?.({ sentRecords: Math.min(nextSequence - 1, total), totalRecords: total });
  }
  await afterRecords(db, flight, client, { flightId, serviceClosed, nowMs }, options, sleep);
  return { ...summary, nextSequence, serviceClosed };
}

/** Once the records are up: the purser's handover when it is due, then the cabin's counters. */
async function afterRecords(
  db: TerminalDb,
  flight: LoadedFlight,
  client: GroundClient,
  at: { flightId: string; serviceClosed: boolean; nowMs: () => number },
  options: UploadOptions,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const { flightId } = at;
  await retrying(() => handOver(db, flight, client, { flightId, groundHoldsClose: at.serviceClosed, nowMs: at.nowMs }), options, sleep);
  if (options.cabinCounters === undefined) return;
  const snapshots = options.cabinCounters(flight);
  await retrying(() => sendCabinCounters(db, flight, client, { flightId, snapshots }), options, sleep);
}

type RecordRow = typeof records.$inferSelect;

function batchOf(
  rows: readonly RecordRow[],
  at: { client: GroundClient; flight: LoadedFlight; firstSequence: number; previousHash: Buffer | undefined; nowMs: number },
): Uint8Array {
  return createBatch(
    {
      terminalId: at.client.terminalId,
      flight: at.flight.manifest.flight,
      firstSequence: at.firstSequence,
      previousHash: at.previousHash === undefined ? GENESIS_HASH : new Uint8Array(at.previousHash),
      createdAtMs: at.nowMs,
    },
    rows.map((row) => {
      const decoded = decodeRecord(new Uint8Array(row.bytes));
      if (!decoded.ok) throw new TerminalError("database_damaged", `record ${row.sequence} cannot be read back: ${decoded.detail}`);
      return decoded.record;
    }),
    at.client.signer,
  );
}

/**
 * The ground's head must be this terminal's record of that sequence. If it is not (or this terminal
 * has no such record), another device signed with this terminal's key: both chains are kept (this
 * one is sent once, for the ground to keep as evidence of the fork), nothing is marked sent, and
 * crew and ops are told to stop.
 */
async function refuseFork(
  db: TerminalDb,
  flight: LoadedFlight,
  client: GroundClient,
  flightId: string,
  held: { nextSequence: number; headHash: string },
): Promise<void> {
  const headSequence = held.nextSequence - 1;
  if (headSequence === 0) return;
  const [mine] = db
    .select({ hash: records.hash })
    .from(records)
    .where(and(eq(records.flightKey, flight.flightKey), eq(records.sequence, headSequence)))
    .all();
  if (mine !== undefined && toHex(new Uint8Array(mine.hash)) === held.headHash) return;
  const first = db
    .select()
    .from(records)
    .where(eq(records.flightKey, flight.flightKey))
    .orderBy(records.sequence)
    .limit(LIMITS.batchRecordsMax)
    .all();
  if (first[0] !== undefined) {
    const evidence = batchOf(first, { client, flight, firstSequence: first[0].sequence, previousHash: undefined, nowMs: Date.now() });
    // The ground refuses it (fork) and keeps it; any answer will do.
    await client.upload(flightId, evidence).catch(() => undefined);
  }
  throw new TerminalError(
    "chain_forked",
    `The ground holds a different record ${headSequence} for this terminal on ${flight.flightKey}: another device is using this terminal's key. ` +
      "Stop selling on this terminal and call ops. Nothing was deleted; this terminal's records were sent to the ground as evidence.",
  );
}

/**
 * Retries what may pass later (no connection, 5xx, 429) with exponential backoff and a limit. When
 * the ground says when to come back (busy), it waits that long, spread by up to half again.
 */
async function retrying<T>(attempt: () => Promise<T>, options: UploadOptions, sleep: (ms: number) => Promise<void>): Promise<T> {
  let delay = options.backoffInitialMs;
  let busyWaitedMs = 0;
  for (let tries = 1; ; ) {
    try {
      return await attempt();
    } catch (error) {
      const transient =
        error instanceof TerminalError &&
        (error.code === "ground_unreachable" ||
          (error.ground !== undefined && (error.ground.status >= 500 || error.ground.status === 429)));
      if (!transient) throw error;
      const askedMs = retryAfterMsOf(error);
      if (askedMs !== undefined && busyWaitedMs + askedMs <= options.busyWaitMsMax) {
        const waitMs = Math.round(askedMs * (1 + 0.5 * (options.random ?? Math.random)()));
        busyWaitedMs += waitMs;
        await sleep(waitMs);
        continue;
      }
      if (tries >= options.attemptsMax) throw error;
      tries += 1;
      await sleep(delay);
      delay = Math.min(delay * 2, options.backoffMsMax);
    }
  }
}

function retryAfterMsOf(error: TerminalError): number | undefined {
  const retryAfterMs = (error.ground?.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof retryAfterMs === "number" && Number.isFinite(retryAfterMs) && retryAfterMs >= 0 ? retryAfterMs : undefined;
}
