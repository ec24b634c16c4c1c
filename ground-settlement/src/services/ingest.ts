/**
 * Ingest of an upload batch after landing. The batch is verified whole (signature, chain, every
 * record), checked against what the ground already holds for that terminal and flight, and its new
 * records stored in one transaction with a pending settlement each; then handed to the outbox.
 * Re-sent records are answered `duplicate` and change nothing; a batch that does not fit the chain
 * held is refused whole and kept as evidence.
 *
 * Preconditions (the terminal exists, is assigned to the flight) throw `ApiError` as every service
 * does; the batch's own verdict is always one `IngestOutcome`.
 */
import {
  type BatchRefusal,
  type BatchResult,
  type FlightRef,
  GENESIS_HASH,
  type SaleRecord,
  toHex,
  type Verifier,
  verifyBatchInSteps,
  voucherMemo,
} from "@cabinpay/shared";
import { createSodiumVerifier, nodeSha256 } from "@cabinpay/shared/node";
import { and, eq, isNull } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { constraintOf } from "../db/constraint.js";
import { flights } from "../db/schema/flights.js";
import { terminals } from "../db/schema/terminals.js";
import { terminalChains } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import { type Flight, getFlight } from "./flights.js";
import { codeState } from "./ingest-codes.js";
import { reversalState } from "./ingest-reversals.js";
import {
  type BatchRefused,
  checkAgainstHeld,
  idTakenRefusal,
  insertRecords,
  type JudgedRecord,
  keepRefused,
  takenIds,
} from "./ingest-store.js";
import { GoodVouchers, type RecordRejection, voucherJudge } from "./ingest-vouchers.js";
import { enqueueUploaded, type SettlementJobs } from "./outbox.js";
import { requireAssignment } from "./trolleys.js";

export { REFUSED_BATCHES_PER_TERMINAL_MAX } from "./ingest-store.js";
export { RECORD_REJECTIONS, type RecordRejection } from "./ingest-vouchers.js";

export type RecordOutcome =
  | { readonly sequence: number; readonly recordId: string; readonly outcome: "accepted" | "duplicate" }
  | { readonly sequence: number; readonly recordId: string; readonly outcome: "rejected"; readonly reason: RecordRejection };

export interface BatchAccepted {
  readonly kind: "accepted";
  readonly records: readonly RecordOutcome[];
  /** The sequence the ground expects next from this terminal: resume from here. */
  readonly nextSequence: number;
  readonly serviceClosed: boolean;
  /** The new records stored with a pending settlement, in sequence order, by the ground's key (`JudgedRecord.rowId`). */
  readonly settling: readonly string[];
  /**
   * The terminal's record ids other terminals' records held, its records keyed by the ground's ids
   * instead (`takenIds`): a sign of another terminal's key in the wrong hands, for the log.
   */
  readonly keyedByGround?: readonly string[];
}

/** Records are missing before this batch: nothing was stored; resume from `nextSequence`. */
export interface SequenceGap {
  readonly kind: "sequence_gap";
  readonly nextSequence: number;
  readonly detail: string;
}

export type IngestOutcome = BatchAccepted | BatchRefused | SequenceGap;

export interface IngestInput {
  readonly terminalId: string;
  readonly flightId: string;
  readonly bytes: Uint8Array;
  readonly nowMs: number;
}

/** Where to resume: the next sequence the ground expects from this terminal, and the hash of the last record held. */
export async function chainState(db: Database, terminalId: string, flightId: string) {
  await requireAssignment(db, terminalId, flightId);
  const [chain] = await db
    .select()
    .from(terminalChains)
    .where(and(eq(terminalChains.terminalId, terminalId), eq(terminalChains.flightId, flightId)));
  return {
    nextSequence: (chain?.headSequence ?? 0) + 1,
    headHash: toHex(chain?.headHash ?? GENESIS_HASH),
    serviceClosed: (chain?.closedAtMs ?? null) !== null,
  };
}

/** Ingest as one service instance: it owns the verifier and the bounded cache of good vouchers. */
export interface IngestService {
  /** Checks the assignment, ingests, and hands what it stored to the outbox. */
  upload(input: IngestInput): Promise<IngestOutcome & { readonly enqueueError?: string }>;
  /** Ingest alone (benchmarks): the flight and the trolley ops assigned are given. */
  ingest(input: IngestInput & Placed): Promise<IngestOutcome>;
}

/** Where a batch is ingested: its flight and the trolley ops assigned its terminal. */
interface Placed {
  readonly flight: Flight;
  readonly assignedTrolleyId: string | null;
  /**
   * Set by an upload, which hands the new settlements to the queue right after the commit: they
   * are stored as enqueued then, and the outbox neither reads nor marks them again. Unset, they
   * are stored for the sweeper to enqueue.
   */
  readonly enqueuedAtMs?: number;
}

export function createIngest(deps: {
  readonly db: Database;
  readonly jobs: SettlementJobs;
  readonly goodVouchersMax?: number;
}): IngestService {
  const judging = { good: new GoodVouchers(deps.goodVouchersMax), verifier: createSodiumVerifier() };
  const ingest: IngestService["ingest"] = async (input) => {
    try {
      return await ingestBatch(deps.db, judging, input);
    } catch (error) {
      // Another terminal's batch took the same phone code first (two trolleys uploading at once):
      // PostgreSQL raised this only once that batch committed, so judged again the code is taken.
      if (constraintOf(error) !== "sale_records_code_once") throw error;
      return ingestBatch(deps.db, judging, input);
    }
  };
  return {
    ingest,
    async upload(input) {
      const { trolleyId } = await requireAssignment(deps.db, input.terminalId, input.flightId);
      const flight = await getFlight(deps.db, input.flightId);
      const outcome = await ingest({ ...input, flight, assignedTrolleyId: trolleyId, enqueuedAtMs: input.nowMs });
      if (outcome.kind !== "accepted") return outcome;
      const scope = { terminalId: input.terminalId, flightId: flight.id };
      const resentSequences = outcome.records.flatMap((r) => (r.outcome === "duplicate" ? [r.sequence] : []));
      const queued = await enqueueUploaded(deps.db, deps.jobs, scope, { ...outcome, resentSequences });
      return queued.enqueued ? outcome : { ...outcome, enqueueError: queued.error };
    },
  };
}

interface Judging {
  readonly good: GoodVouchers;
  readonly verifier: Verifier;
}

/** What the transaction ends with; `unverified` and `sequence_gap` roll its writes back. */
type Stored =
  | BatchAccepted
  | SequenceGap
  | { kind: "unverified"; refusal: BatchRefusal }
  | { kind: "chain"; reason: string; detail: string; index: number }
  | { kind: "id_taken"; fresh: readonly SaleRecord[]; offset: number };

/** Keyings of one batch at most: each further one is a race lost to another upload taking one more of its ids. */
const KEYINGS_MAX = 3;

/** No record of the batch keyed otherwise than by its own id. */
const OWN_IDS: ReadonlyMap<string, string> = new Map();

async function ingestBatch(
  db: Database,
  judging: Judging,
  input: IngestInput & Placed,
  rowIds = OWN_IDS,
  keyings = 1,
): Promise<IngestOutcome> {
  const { terminalId, flight, bytes, nowMs } = input;
  const [terminal] = await db.select({ publicKey: terminals.publicKey }).from(terminals).where(eq(terminals.id, terminalId));
  if (terminal === undefined) throw new ApiError("terminal_not_found", `no terminal ${terminalId}`);
  const flightRef: FlightRef = { carrier: flight.carrier, number: flight.number, date: flight.flightDate };
  // The signatures are checked while PostgreSQL stores the records (`store`): on a 2-core host that
  // overlaps the largest costs. Nothing commits unless every signature holds.
  // One decoder for the batch: the records' vouchers are decoded once, and judged from that decoding.
  const decodeVoucher = voucherMemo();
  const reading = { sha256: nodeSha256, decodeVoucher };
  const context = { terminalId, publicKey: terminal.publicKey, flight: flightRef, verifier: judging.verifier, reading };
  const stepped = verifyBatchInSteps(bytes, context);
  const evidence = { terminalId, flightId: flight.id, bytes, nowMs };
  if (!stepped.ok) return keepRefused(db, evidence, unverifiedRefusal(stepped.refused));
  // Started now, on node:crypto's thread pool: the records' signatures are checked while this
  // thread checks the vouchers and the database stores the records. Awaited before any commit.
  const signatures = stepped.verifySignatures();
  const judge = await voucherJudge(db, flight, { ...judging, decodeVoucher });
  // Every voucher judged now, outside the transaction: the chain lock is held no longer than the
  // writes need.
  const verdicts = new Map<SaleRecord, RecordRejection | undefined>();
  for (const record of stepped.batch.records) if (record.kind === "sale") verdicts.set(record, judge(record));
  const vouchers = (record: SaleRecord) => verdicts.get(record);
  const stored = await inTransaction(db, (tx) =>
    store(tx, { ...input, header: stepped.batch.header, records: stepped.batch.records, vouchers, verify: () => signatures, rowIds }),
  );
  switch (stored.kind) {
    case "unverified":
      return keepRefused(db, evidence, unverifiedRefusal(stored.refusal));
    case "chain": {
      const { reason, detail, index } = stored;
      return keepRefused(db, evidence, { reason, detail, chain: { index, sequence: stepped.batch.records[index]?.sequence, reason } });
    }
    case "id_taken": {
      const taken = await takenIds(db, terminalId, stored.fresh, rowIds);
      if (taken.kind === "refuse") return keepRefused(db, evidence, idTakenRefusal(stored.fresh, stored.offset, taken.at));
      if (keyings >= KEYINGS_MAX)
        throw new ApiError("busy", "other uploads held record ids of this batch a moment ago: try again", { retryAfterMs: 1_000 });
      return ingestBatch(db, judging, input, taken.kind === "rekey" ? taken.rowIds : rowIds, keyings + 1);
    }
    default:
      return stored.kind === "accepted" && rowIds.size > 0 ? { ...stored, keyedByGround: [...rowIds.keys()] } : stored;
  }
}

function unverifiedRefusal(verified: BatchRefusal): Omit<BatchRefused, "kind" | "rejectedBatchId"> {
  const chain =
    verified.chain === undefined
      ? undefined
      : { index: verified.chain.index, sequence: verified.chain.sequence, reason: verified.chain.reason };
  return { reason: verified.reason, detail: verified.detail, ...(chain === undefined ? {} : { chain }) };
}

/** Thrown inside the transaction to undo its writes and end with `stored`; never leaves this module. */
class RollBack {
  constructor(readonly stored: Stored) {}
}

async function inTransaction(db: Database, work: (tx: Executor) => Promise<Stored>): Promise<Stored> {
  try {
    return await db.transaction(work);
  } catch (error) {
    if (error instanceof RollBack) return error.stored;
    throw error;
  }
}

interface StoreInput extends Placed {
  readonly terminalId: string;
  readonly nowMs: number;
  readonly header: { readonly firstSequence: number; readonly previousHash: Uint8Array };
  readonly records: readonly SaleRecord[];
  readonly vouchers: (record: SaleRecord) => RecordRejection | undefined;
  readonly verify: () => Promise<BatchResult>;
  /** The ground's keys of records whose own ids other terminals' records hold (`takenIds`), by their own id. */
  readonly rowIds: ReadonlyMap<string, string>;
}

/**
 * The batch against the chain held, under the chain's lock. Every answer about the batch's content
 * waits for its signatures: a forged batch is refused as forged, whatever else is wrong with it.
 */
async function store(tx: Executor, input: StoreInput): Promise<Stored> {
  let signatures: BatchResult | undefined;
  const requireSignatures = async () => {
    signatures ??= await input.verify();
    if (!signatures.ok) throw new RollBack({ kind: "unverified", refusal: signatures });
  };
  const head = await lockChain(tx, input.terminalId, input.flight.id, input.nowMs);
  const { firstSequence, previousHash } = input.header;
  if (firstSequence > head.headSequence + 1) {
    await requireSignatures();
    const nextSequence = head.headSequence + 1;
    throw new RollBack({
      kind: "sequence_gap",
      nextSequence,
      detail: `records ${nextSequence} to ${firstSequence - 1} are missing: resume from ${nextSequence}`,
    });
  }
  const overlap = input.records.filter((r) => r.sequence <= head.headSequence);
  const fresh = input.records.filter((r) => r.sequence > head.headSequence);
  const problem = await checkAgainstHeld(tx, {
    terminalId: input.terminalId,
    flightId: input.flight.id,
    firstSequence,
    previousHash,
    overlap,
  });
  if (problem !== undefined) {
    await requireSignatures();
    return { kind: "chain", ...problem };
  }
  if (fresh.length > 0 && head.closedAtMs !== null) {
    await requireSignatures();
    return { kind: "chain", reason: "after_close", detail: "the service on this terminal was already closed", index: overlap.length };
  }
  const judged = await judgeFresh(tx, input, fresh, head.closedAtMs);
  // Sent before the signatures are checked, so both run at once; rolled back if one fails.
  const scope = {
    terminalId: input.terminalId,
    flightId: input.flight.id,
    receivedAtMs: input.nowMs,
    enqueuedAtMs: input.enqueuedAtMs ?? null,
  };
  const written = judged.judged.length > 0 ? insertRecords(tx, scope, judged.judged) : Promise.resolve();
  // Listened to at once: the insert can fail (a dropped connection, an id taken) while the
  // signatures are still being checked, and a rejection nobody listens to yet ends the process.
  const writing = written.catch(() => undefined);
  try {
    await requireSignatures();
  } finally {
    await writing;
  }
  await written.catch((error: unknown) => {
    throw idTakenOr(error, fresh, overlap.length);
  });
  if (fresh.length > 0) await advanceChain(tx, input, fresh.at(-1)!, judged.closedAtMs);
  const duplicates = overlap.map((r) => ({ sequence: r.sequence, recordId: r.recordId, outcome: "duplicate" as const }));
  const nextSequence = Math.max(head.headSequence, fresh.at(-1)?.sequence ?? 0) + 1;
  const settling = judged.judged.flatMap(({ record, rejection, rowId }) =>
    record.kind !== "close" && rejection === undefined ? [rowId] : [],
  );
  return {
    kind: "accepted",
    records: [...duplicates, ...judged.outcomes],
    nextSequence,
    serviceClosed: judged.closedAtMs !== null,
    settling,
  };
}

/**
 * A record id is the terminal's choice: one the ground already holds for another record (a leaked
 * key's upload of an id read off a receipt, say) rolls the batch back to be keyed again
 * (`takenIds`), where it would otherwise fail every retry with a 500 and strand the terminal's
 * sales. Any other error as it is.
 */
function idTakenOr(error: unknown, fresh: readonly SaleRecord[], offset: number): unknown {
  const constraint = constraintOf(error);
  const taken = constraint === "sale_records_pkey" || constraint === "sale_records_terminal_record_id";
  return taken ? new RollBack({ kind: "id_taken", fresh, offset }) : error;
}

/** One upload at a time per terminal and flight: the chain head is the lock. */
async function lockChain(tx: Executor, terminalId: string, flightId: string, nowMs: number) {
  await tx
    .insert(terminalChains)
    .values({ terminalId, flightId, headSequence: 0, headHash: GENESIS_HASH, lastUploadAtMs: nowMs })
    .onConflictDoNothing();
  const [chain] = await tx
    .select()
    .from(terminalChains)
    .where(and(eq(terminalChains.terminalId, terminalId), eq(terminalChains.flightId, flightId)))
    .for("update");
  return chain!;
}

/**
 * A record sold from another trolley than the one ops assigned: the ground's assignment is the
 * truth (stock and the one-terminal-per-trolley rule hang on it), so it is kept but not settled.
 */
function offTrolley(record: SaleRecord, assignedTrolleyId: string | null): RecordRejection | undefined {
  if (assignedTrolleyId === null || record.kind === "close" || record.trolleyId === assignedTrolleyId) return undefined;
  return "trolley_mismatch";
}

/** Each new record judged, as what to store and the answer to give. */
async function judgeFresh(tx: Executor, input: StoreInput, fresh: readonly SaleRecord[], closedBeforeAtMs: number | null) {
  const rowIdOf = (recordId: string) => input.rowIds.get(recordId) ?? recordId;
  const reversals = await reversalState(tx, { terminalId: input.terminalId, flightId: input.flight.id }, fresh, rowIdOf);
  const codes = await codeState(tx, input.flight.id, fresh);
  const rejected = new Set<string>();
  const judge = (record: SaleRecord) =>
    record.kind === "sale"
      ? (input.vouchers(record) ?? codes.check(record))
      : record.kind === "close"
        ? undefined
        : reversals.check(record, rejected);
  let closedAtMs = closedBeforeAtMs;
  const judged: JudgedRecord[] = [];
  const outcomes: RecordOutcome[] = [];
  for (const record of fresh) {
    const rejection = offTrolley(record, input.assignedTrolleyId) ?? judge(record);
    if (rejection !== undefined) rejected.add(record.recordId);
    if (record.kind === "close") closedAtMs = input.nowMs;
    judged.push({ record, rejection, rowId: rowIdOf(record.recordId), referencedRowId: reversals.referencedRowIdOf(record) });
    const { sequence, recordId } = record;
    outcomes.push(
      rejection === undefined
        ? { sequence, recordId, outcome: "accepted" }
        : { sequence, recordId, outcome: "rejected", reason: rejection },
    );
  }
  return { judged, outcomes, closedAtMs };
}

async function advanceChain(tx: Executor, input: StoreInput, last: SaleRecord, closedAtMs: number | null): Promise<void> {
  await tx
    .update(terminalChains)
    .set({ headSequence: last.sequence, headHash: last.hash, closedAtMs, lastUploadAtMs: input.nowMs })
    .where(and(eq(terminalChains.terminalId, input.terminalId), eq(terminalChains.flightId, input.flight.id)));
  // Once landed, the flight's row is neither written again nor locked: each upload of a landing
  // wave wrote a new version of it, and the flight's other terminals waited on its lock.
  if (input.flight.landedAtMs !== null) return;
  await tx
    .update(flights)
    .set({ landedAtMs: input.nowMs })
    .where(and(eq(flights.id, input.flight.id), isNull(flights.landedAtMs)));
}
