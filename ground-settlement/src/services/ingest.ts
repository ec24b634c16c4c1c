/**
 * Ingest of an upload batch after landing. The batch is verified whole (signature, chain, every
 * record), checked against what the ground already holds for that terminal and flight, and its new
 * records stored in one transaction with a pending settlement each. Re-sent records are answered
 * `duplicate` and change nothing; a batch that does not fit the chain held is refused whole and
 * kept as evidence.
 */
import {
  type BatchRefusal,
  type BatchResult,
  bytesEqual,
  concatBytes,
  decodeVoucherBinary,
  type FlightRef,
  GENESIS_HASH,
  newId,
  rateFor,
  type SaleRecord,
  SIGNATURE_DOMAIN,
  type Voucher,
  verifyBatchInSteps,
} from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import { and, eq, gte, inArray, lte, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { issuerKeys, registrations } from "../db/schema/registrations.js";
import { terminals } from "../db/schema/terminals.js";
import { rejectedBatches, saleRecords, type settlements, terminalChains } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import type { Flight } from "./flights.js";
import { ratesOf } from "./rates.js";
import { matchesRegistration } from "./vouchers.js";

const verifier = createNodeVerifier();

export type RecordOutcome =
  | { readonly sequence: number; readonly recordId: string; readonly outcome: "accepted" | "duplicate" }
  | { readonly sequence: number; readonly recordId: string; readonly outcome: "rejected"; readonly reason: string };

export interface IngestResult {
  readonly records: readonly RecordOutcome[];
  /** The sequence the ground expects next from this terminal: resume from here. */
  readonly nextSequence: number;
  readonly serviceClosed: boolean;
}

/** Why a record in an intact chain is stored but not settled. */
export const RECORD_REJECTIONS = [
  "voucher_forged",
  "voucher_wrong_flight",
  "voucher_unknown",
  "voucher_revoked",
  "invalid_reversal",
  "reversal_mismatch",
  "voucher_mismatch",
  "voucher_key_revoked",
  "trolley_mismatch",
  "no_rate",
] as const;
export type RecordRejection = (typeof RECORD_REJECTIONS)[number];

/**
 * A record sold from another trolley than the one ops assigned: the ground's assignment is the
 * truth (stock and the one-terminal-per-trolley rule hang on it), so it is kept but not settled.
 */
function offTrolley(record: SaleRecord, assignedTrolleyId: string | null): RecordRejection | undefined {
  if (assignedTrolleyId === null || record.kind === "close" || record.trolleyId === assignedTrolleyId) return undefined;
  return "trolley_mismatch";
}

export async function ingestBatch(
  db: Database,
  input: {
    terminalId: string;
    flight: Flight;
    /** The trolley ops assigned this terminal on the flight (null for assignments before trolleys were tracked). */
    assignedTrolleyId: string | null;
    bytes: Uint8Array;
    nowMs: number;
  },
): Promise<IngestResult> {
  const { terminalId, flight, bytes, nowMs } = input;
  const [terminal] = await db.select({ publicKey: terminals.publicKey }).from(terminals).where(eq(terminals.id, terminalId));
  if (terminal === undefined) throw new ApiError("terminal_not_found", `no terminal ${terminalId}`);
  const flightRef: FlightRef = { carrier: flight.carrier, number: flight.number, date: flight.flightDate };
  // The signatures are checked while PostgreSQL stores the records (below): on a 2-core host that
  // overlaps the two largest costs. Nothing commits unless every signature holds.
  const stepped = verifyBatchInSteps(bytes, { terminalId, publicKey: terminal.publicKey, flight: flightRef, verifier });
  const refuseUnverified = async (verified: BatchRefusal) => {
    const chain =
      verified.chain === undefined
        ? undefined
        : { index: verified.chain.index, sequence: verified.chain.sequence, reason: verified.chain.reason };
    return refuse(db, { terminalId, flightId: flight.id, bytes, nowMs }, verified.reason, verified.detail, chain);
  };
  if (!stepped.ok) throw await refuseUnverified(stepped.refused);
  const { header, records } = stepped.batch;
  const vouchers = await voucherChecker(db, flight);
  // Judge every voucher now, outside the transaction: inside it they are cache look-ups, and the
  // chain lock is held no longer than the writes need.
  for (const record of records) if (record.kind === "sale") vouchers(record);

  // Every answer about the batch's content waits for its signatures: a forged batch is refused as
  // forged, whatever else is wrong with it.
  let signatures: BatchResult | undefined;
  const requireSignatures = () => {
    signatures ??= stepped.verifySignatures();
    if (!signatures.ok) throw new UnverifiedBatch(signatures);
  };
  const result = await storeVerified(db, async (tx) => {
    await tx
      .insert(terminalChains)
      .values({ terminalId, flightId: flight.id, headSequence: 0, headHash: GENESIS_HASH, lastUploadAtMs: nowMs })
      .onConflictDoNothing();
    // One upload at a time per terminal and flight: the chain head is the lock.
    const [chain] = await tx
      .select()
      .from(terminalChains)
      .where(and(eq(terminalChains.terminalId, terminalId), eq(terminalChains.flightId, flight.id)))
      .for("update");
    const head = chain!;
    if (header.firstSequence > head.headSequence + 1) {
      requireSignatures();
      throw new ApiError(
        "sequence_gap",
        `records ${head.headSequence + 1} to ${header.firstSequence - 1} are missing: resume from ${head.headSequence + 1}`,
        {
          nextSequence: head.headSequence + 1,
        },
      );
    }
    const overlap = records.filter((r) => r.sequence <= head.headSequence);
    const fresh = records.filter((r) => r.sequence > head.headSequence);
    const problem = await checkAgainstHeld(tx, {
      terminalId,
      flightId: flight.id,
      firstSequence: header.firstSequence,
      previousHash: header.previousHash,
      overlap,
    });
    if (problem !== undefined) {
      requireSignatures();
      return { refused: problem };
    }
    if (fresh.length > 0 && head.closedAtMs !== null) {
      requireSignatures();
      return { refused: { reason: "after_close", detail: "the service on this terminal was already closed", index: overlap.length } };
    }

    const outcomes: RecordOutcome[] = overlap.map((r) => ({ sequence: r.sequence, recordId: r.recordId, outcome: "duplicate" as const }));
    const reversals = await reversalState(tx, flight.id, fresh);
    const rejected = new Set<string>();
    const judged = (record: SaleRecord) =>
      record.kind === "sale" ? vouchers(record) : record.kind === "close" ? undefined : reversals.check(record, rejected);
    let closedAtMs = head.closedAtMs;
    const rows: (typeof saleRecords.$inferInsert)[] = [];
    const settlementRows: (typeof settlements.$inferInsert)[] = [];
    for (const record of fresh) {
      const rejection = offTrolley(record, input.assignedTrolleyId) ?? judged(record);
      if (rejection !== undefined) rejected.add(record.recordId);
      if (record.kind === "close") closedAtMs = nowMs;
      rows.push({
        id: record.recordId,
        terminalId,
        flightId: flight.id,
        sequence: record.sequence,
        kind: record.kind,
        voucherId: record.voucherId,
        referencedRecordId: record.referencedRecordId ?? null,
        crewId: record.crewId,
        trolleyId: record.trolleyId,
        currency: record.currency,
        totalMinor: record.totalMinor,
        lines: record.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor })),
        createdAtMs: record.createdAtMs,
        receivedAtMs: nowMs,
        recordHash: record.hash,
        bytes: record.bytes,
        status: rejection === undefined ? "accepted" : "rejected",
        rejectReason: rejection ?? null,
      });
      if (record.kind !== "close") {
        settlementRows.push({
          recordId: record.recordId,
          flightId: flight.id,
          terminalId,
          sequence: record.sequence,
          status: rejection === undefined ? "pending" : "rejected",
          reason: rejection ?? null,
        });
      }
      outcomes.push(
        rejection === undefined
          ? { sequence: record.sequence, recordId: record.recordId, outcome: "accepted" }
          : { sequence: record.sequence, recordId: record.recordId, outcome: "rejected", reason: rejection },
      );
    }
    // Sent before the signatures are checked, so both run at once; rolled back if one fails.
    const stored = rows.length > 0 ? insertRecords(tx, rows, settlementRows) : Promise.resolve();
    try {
      // Thrown, not returned, so the transaction rolls back what was just sent.
      requireSignatures();
    } finally {
      await stored.catch(() => undefined);
    }
    await stored;
    if (rows.length > 0) {
      const last = fresh.at(-1)!;
      await tx
        .update(terminalChains)
        .set({ headSequence: last.sequence, headHash: last.hash, closedAtMs, lastUploadAtMs: nowMs })
        .where(and(eq(terminalChains.terminalId, terminalId), eq(terminalChains.flightId, flight.id)));
      await tx
        .update(flights)
        .set({ landedAtMs: sql`coalesce(${flights.landedAtMs}, ${nowMs})` })
        .where(eq(flights.id, flight.id));
    }
    const nextSequence = Math.max(head.headSequence, fresh.at(-1)?.sequence ?? 0) + 1;
    return { accepted: { records: outcomes, nextSequence, serviceClosed: closedAtMs !== null } };
  });
  if ("unverified" in result) throw await refuseUnverified(result.unverified);
  if ("refused" in result) {
    const { reason, detail, index } = result.refused;
    throw await refuse(db, { terminalId, flightId: flight.id, bytes, nowMs }, reason, detail, {
      index,
      sequence: records[index]?.sequence,
      reason,
    });
  }
  return result.accepted;
}

/** A batch whose signatures failed after its records were sent: rolls the transaction back. */
class UnverifiedBatch extends Error {
  constructor(readonly refusal: BatchRefusal) {
    super(refusal.reason);
  }
}

async function storeVerified<T>(db: Database, work: (tx: Executor) => Promise<T>): Promise<T | { unverified: BatchRefusal }> {
  try {
    return await db.transaction(work);
  } catch (error) {
    if (error instanceof UnverifiedBatch) return { unverified: error.refusal };
    throw error;
  }
}

/**
 * One statement per table whatever the batch size: columns travel as arrays and `unnest` makes
 * the rows (a multi-row VALUES would bind 17 parameters per record). Bytes travel as hex text so
 * PostgreSQL and PGlite take the same statement.
 */
function insertRecords(
  tx: Executor,
  rows: readonly (typeof saleRecords.$inferInsert)[],
  settlementRows: readonly (typeof settlements.$inferInsert)[],
): Promise<unknown> {
  const column = <T>(pick: (row: typeof saleRecords.$inferInsert) => T) => rows.map(pick);
  const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
  // Records and their settlements in one statement: one round trip, one parse. `.then` is called
  // here, not left to a caller's `await`, because drizzle sends a query only when `then` is called
  // and `await` calls it a microtask later: the caller checks signatures in between.
  return tx
    .execute(sql`
    WITH records AS (
    INSERT INTO sale_records (id, terminal_id, flight_id, sequence, kind, voucher_id, referenced_record_id, crew_id, trolley_id, currency,
                              total_minor, lines, created_at_ms, received_at_ms, record_hash, bytes, status, reject_reason)
    SELECT id, ${rows[0]!.terminalId}::uuid, ${rows[0]!.flightId}::uuid, sequence, kind, voucher_id, referenced_record_id, crew_id, trolley_id, currency,
           total_minor, lines::jsonb, created_at_ms, ${rows[0]!.receivedAtMs}::bigint, decode(record_hash, 'hex'), decode(bytes, 'hex'), status, reject_reason
      FROM unnest(${sql.param(column((r) => r.id))}::uuid[], ${sql.param(column((r) => r.sequence))}::int[], ${sql.param(column((r) => r.kind))}::text[], ${sql.param(column((r) => r.voucherId))}::uuid[],
                  ${sql.param(column((r) => r.referencedRecordId ?? null))}::uuid[], ${sql.param(column((r) => r.crewId))}::text[], ${sql.param(column((r) => r.trolleyId))}::text[],
                  ${sql.param(column((r) => r.currency))}::text[], ${sql.param(column((r) => r.totalMinor))}::bigint[], ${sql.param(column((r) => JSON.stringify(r.lines)))}::text[],
                  ${sql.param(column((r) => r.createdAtMs))}::bigint[], ${sql.param(column((r) => hex(r.recordHash)))}::text[], ${sql.param(column((r) => hex(r.bytes)))}::text[],
                  ${sql.param(column((r) => r.status))}::text[], ${sql.param(column((r) => r.rejectReason ?? null))}::text[])
        AS t(id, sequence, kind, voucher_id, referenced_record_id, crew_id, trolley_id, currency, total_minor, lines, created_at_ms, record_hash, bytes, status, reject_reason)
    RETURNING id)
    INSERT INTO settlements (record_id, flight_id, terminal_id, sequence, status, reason)
    SELECT record_id, ${rows[0]!.flightId}::uuid, ${rows[0]!.terminalId}::uuid, sequence, status, reason
      FROM unnest(${sql.param(settlementRows.map((r) => r.recordId))}::uuid[], ${sql.param(settlementRows.map((r) => r.sequence))}::int[],
                  ${sql.param(settlementRows.map((r) => r.status))}::text[], ${sql.param(settlementRows.map((r) => r.reason ?? null))}::text[])
        AS t(record_id, sequence, status, reason)
     WHERE EXISTS (SELECT 1 FROM records)`)
    .then((result) => result);
}

/** Overlapping records must be byte-for-byte what is held, and the batch must link to it. */
async function checkAgainstHeld(
  tx: Executor,
  input: { terminalId: string; flightId: string; firstSequence: number; previousHash: Uint8Array; overlap: readonly SaleRecord[] },
): Promise<{ reason: string; detail: string; index: number } | undefined> {
  const anchorSequence = input.firstSequence - 1;
  const lastOverlap = input.overlap.at(-1)?.sequence ?? anchorSequence;
  const held =
    anchorSequence === 0 && input.overlap.length === 0
      ? []
      : await tx
          .select({ sequence: saleRecords.sequence, bytes: saleRecords.bytes, hash: saleRecords.recordHash })
          .from(saleRecords)
          .where(
            and(
              eq(saleRecords.terminalId, input.terminalId),
              eq(saleRecords.flightId, input.flightId),
              gte(saleRecords.sequence, Math.max(anchorSequence, 1)),
              lte(saleRecords.sequence, lastOverlap),
            ),
          );
  const bySequence = new Map(held.map((row) => [row.sequence, row]));
  const anchorHash = anchorSequence === 0 ? GENESIS_HASH : bySequence.get(anchorSequence)?.hash;
  if (anchorHash === undefined || !bytesEqual(anchorHash, input.previousHash)) {
    return { reason: "altered", detail: `the batch does not continue from the record ${anchorSequence} the ground holds`, index: 0 };
  }
  for (const [index, record] of input.overlap.entries()) {
    const stored = bySequence.get(record.sequence);
    if (stored === undefined || !bytesEqual(stored.bytes, record.bytes)) {
      return { reason: "fork", detail: `record ${record.sequence} differs from the one already received`, index };
    }
  }
  return undefined;
}

/**
 * Judges each sale's voucher: signed by an issuer key the ground made (and not revoked when the
 * sale was made), for this flight, and exactly the voucher the ground issued for the registration
 * it names — the ground's records are the truth, a signature only says who signed.
 */
async function voucherChecker(db: Database, flight: Flight): Promise<(record: SaleRecord) => RecordRejection | undefined> {
  const keys = new Map(
    (
      await db.select({ keyId: issuerKeys.keyId, publicKey: issuerKeys.publicKey, revokedAtMs: issuerKeys.revokedAtMs }).from(issuerKeys)
    ).map((k) => [k.keyId, k]),
  );
  const registered = new Map(
    (
      await db
        .select({
          id: registrations.id,
          status: registrations.status,
          holdKeptOnCancel: registrations.holdKeptOnCancel,
          walletAccountId: registrations.walletAccountId,
          capMinor: registrations.capMinor,
          currency: registrations.currency,
          passengerName: registrations.passengerName,
          seat: registrations.seat,
        })
        .from(registrations)
        .where(eq(registrations.flightId, flight.id))
    ).map((r) => [r.id, r]),
  );
  const rates = await ratesOf(db, flight.id);
  // Many sales carry the same voucher: verify each distinct one once (the sale's time still
  // decides about a revoked key, so that verdict is not cached).
  const verdicts = new Map<string, { rejection: RecordRejection | undefined; voucher?: Voucher }>();
  return (record) => {
    const cacheKey = Buffer.from(record.voucherBytes!).toString("base64");
    let verdict = verdicts.get(cacheKey);
    if (verdict === undefined) {
      verdict = judgeVoucher(record.voucherBytes!, keys, flight);
      verdicts.set(cacheKey, verdict);
    }
    if (verdict.rejection !== undefined) return verdict.rejection;
    const voucher = verdict.voucher!;
    const revokedAtMs = keys.get(voucher.issuerKeyId)?.revokedAtMs ?? null;
    if (revokedAtMs !== null && record.createdAtMs >= revokedAtMs) return "voucher_key_revoked";
    const registration = registered.get(record.voucherId);
    if (registration !== undefined && !matchesRegistration(voucher, flight, registration)) return "voucher_mismatch";
    // Sold in the flight's currency; a voucher in another is spent at the flight's rate into it.
    if (record.currency !== flight.currency) return "voucher_mismatch";
    if (voucher.cap.currency !== flight.currency && rateFor(rates, voucher.cap.currency) === undefined) return "no_rate";
    return judgeRegistration(registration);
  };
}

/**
 * Vouchers whose signature and flight were found good, across batches: every terminal of a flight
 * carries the same vouchers, and a good signature stays good. Only good verdicts are kept (a
 * "forged" one is worked out again); keys' revocations and registrations are read for every batch.
 */
const GOOD_VOUCHERS = new Map<string, Voucher>();
const GOOD_VOUCHERS_MAX = 100_000;

function judgeVoucher(
  bytes: Uint8Array,
  keys: ReadonlyMap<string, { publicKey: Uint8Array }>,
  flight: Flight,
): { rejection: RecordRejection | undefined; voucher?: Voucher } {
  const cacheKey = `${flight.id}:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}`;
  const cached = GOOD_VOUCHERS.get(cacheKey);
  if (cached !== undefined) return { rejection: undefined, voucher: cached };
  const decoded = decodeVoucherBinary(bytes);
  if (!decoded.ok) return { rejection: "voucher_forged" };
  const { voucher } = decoded;
  const publicKey = keys.get(voucher.issuerKeyId)?.publicKey;
  if (publicKey === undefined || !verifier.verify(voucher.signature, concatBytes(SIGNATURE_DOMAIN.voucher, voucher.signedBytes), publicKey))
    return { rejection: "voucher_forged" };
  if (voucher.flight.carrier !== flight.carrier || voucher.flight.number !== flight.number || voucher.flight.date !== flight.flightDate) {
    return { rejection: "voucher_wrong_flight" };
  }
  if (GOOD_VOUCHERS.size >= GOOD_VOUCHERS_MAX) GOOD_VOUCHERS.delete(GOOD_VOUCHERS.keys().next().value!);
  GOOD_VOUCHERS.set(cacheKey, voucher);
  return { rejection: undefined, voucher };
}

/**
 * A voucher cancelled after the flight's manifest went out was still good on terminals holding the
 * older manifest: its sales are collected from the hold kept for them (`cancel`).
 */
function judgeRegistration(
  registration: { status: "active" | "cancelled"; holdKeptOnCancel: boolean } | undefined,
): RecordRejection | undefined {
  if (registration === undefined) return "voucher_unknown";
  return registration.status === "cancelled" && !registration.holdKeptOnCancel ? "voucher_revoked" : undefined;
}

/**
 * Voids and refunds must reverse an accepted sale of the same terminal and flight, and together
 * give back no more than it took (a void gives back all of it, once). One that names another
 * voucher or currency than its sale's is `reversal_mismatch`: a device key must not be able to
 * point a refund at a wallet of its choosing (settlement credits the sale's registration anyway).
 */
async function reversalState(tx: Executor, flightId: string, fresh: readonly SaleRecord[]) {
  const referenced = [...new Set(fresh.flatMap((r) => (r.referencedRecordId === undefined ? [] : [r.referencedRecordId])))];
  type Reversible = {
    terminalId: string;
    flightId: string;
    voucherId: string;
    currency: string;
    kind: string;
    status: string;
    totalMinor: number;
  };
  const held = new Map<string, Reversible>();
  const reversed = new Map<string, number>();
  if (referenced.length > 0) {
    const rows = await tx
      .select({
        id: saleRecords.id,
        terminalId: saleRecords.terminalId,
        flightId: saleRecords.flightId,
        voucherId: saleRecords.voucherId,
        currency: saleRecords.currency,
        kind: saleRecords.kind,
        status: saleRecords.status,
        totalMinor: saleRecords.totalMinor,
      })
      .from(saleRecords)
      .where(inArray(saleRecords.id, referenced));
    for (const row of rows) held.set(row.id, row);
    const sums = await tx
      .select({ ref: saleRecords.referencedRecordId, total: sql<string>`sum(${saleRecords.totalMinor})::text` })
      .from(saleRecords)
      .where(and(inArray(saleRecords.referencedRecordId, referenced), eq(saleRecords.status, "accepted")))
      .groupBy(saleRecords.referencedRecordId);
    for (const row of sums) reversed.set(row.ref!, Number(row.total));
  }
  const earlierInBatch = new Map(fresh.map((r) => [r.recordId, r]));
  return {
    /** `rejected`: ids of records of this batch already rejected (a sale with a forged voucher, …). */
    check(record: SaleRecord, rejected: ReadonlySet<string>): RecordRejection | undefined {
      const refId = record.referencedRecordId!;
      const inBatch = earlierInBatch.get(refId);
      const sale: Reversible | undefined =
        held.get(refId) ??
        (inBatch !== undefined && inBatch.sequence < record.sequence
          ? {
              terminalId: inBatch.terminalId,
              flightId,
              voucherId: inBatch.voucherId,
              currency: inBatch.currency,
              kind: inBatch.kind,
              status: rejected.has(refId) ? "rejected" : "accepted",
              totalMinor: inBatch.totalMinor,
            }
          : undefined);
      const already = reversed.get(refId) ?? 0;
      const ok =
        sale !== undefined &&
        sale.kind === "sale" &&
        sale.status === "accepted" &&
        sale.terminalId === record.terminalId &&
        sale.flightId === flightId &&
        (record.kind === "void" ? already === 0 && record.totalMinor === sale.totalMinor : already + record.totalMinor <= sale.totalMinor);
      if (!ok) return "invalid_reversal";
      if (record.voucherId !== sale.voucherId || record.currency !== sale.currency) return "reversal_mismatch";
      reversed.set(refId, already + record.totalMinor);
      return undefined;
    },
  };
}

/**
 * Refused batches kept per terminal at most: each is evidence for finance, but a terminal (or a
 * stolen device key) sending refusable batches on end must not fill the database. Past the bound
 * the batch is still refused, with the same answer, and not stored again.
 */
export const REFUSED_BATCHES_PER_TERMINAL_MAX = 100;

async function refuse(
  db: Database,
  input: { terminalId: string; flightId: string; bytes: Uint8Array; nowMs: number },
  reason: string,
  detail: string,
  chain?: { index: number; sequence: number | undefined; reason: string },
): Promise<ApiError> {
  const [kept] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(rejectedBatches)
    .where(eq(rejectedBatches.terminalId, input.terminalId));
  const id = kept!.n < REFUSED_BATCHES_PER_TERMINAL_MAX ? newId() : undefined;
  if (id !== undefined) {
    await db.insert(rejectedBatches).values({
      id,
      terminalId: input.terminalId,
      flightId: input.flightId,
      receivedAtMs: input.nowMs,
      reason,
      detail,
      chainIndex: chain?.index ?? null,
      chainReason: chain?.reason ?? null,
      bytes: input.bytes,
    });
  }
  return new ApiError("batch_rejected", `batch refused whole: ${reason}: ${detail}`, {
    reason,
    // Absent once the terminal has REFUSED_BATCHES_PER_TERMINAL_MAX refused batches kept.
    ...(id === undefined ? {} : { rejectedBatchId: id }),
    ...(chain === undefined ? {} : { chain }),
  });
}
