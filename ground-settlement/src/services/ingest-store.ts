/**
 * Ingest's storage: the chain held checked against a batch, its records and settlements written in
 * one statement, and refused batches kept as evidence.
 */
import { bytesEqual, GENESIS_HASH, newId, RECORD_HASH_BYTES, type SaleRecord } from "@cabinpay/shared";
import { and, eq, gte, lte, or, sql } from "drizzle-orm";
import { arrayParam } from "../db/arrays.js";
import { anyUuid, type Database, type Executor } from "../db/client.js";
import { rejectedBatches, saleRecords } from "../db/schema/uploads.js";

/** A new record of a batch as judged: stored either way, settled only when nothing was found wrong. */
export interface JudgedRecord {
  readonly record: SaleRecord;
  readonly rejection: string | undefined;
  /** The ground's key of the record: its own id, unless another terminal's record holds that (`takenIds`). */
  readonly rowId: string;
  /** A void's or refund's sale, by the ground's key of it. */
  readonly referencedRowId: string | null;
}

/** The terminal, flight and time a batch's records are stored under. */
export interface StoreScope {
  readonly terminalId: string;
  readonly flightId: string;
  readonly receivedAtMs: number;
  /** When the pending settlements are handed to the queue (right after the commit), or null for the sweeper. */
  readonly enqueuedAtMs: number | null;
}

/**
 * One statement for a batch's records and their settlements, whatever its size: columns travel as
 * array literals built in one pass over the records, and `unnest` makes the rows (a multi-row
 * VALUES would bind 17 parameters per record). The records' bytes and hashes travel as one base64
 * text each and their lines as one JSON text, each read once and cut per row: as arrays, node-pg
 * built and escaped a thousand elements of each, and PGlite serializes a binary parameter byte by
 * byte in JavaScript. Base64 reads alike in PostgreSQL and PGlite, two thirds the size of hex.
 */
export function insertRecords(tx: Executor, scope: StoreScope, judged: readonly JudgedRecord[]): Promise<unknown> {
  const c = recordColumns(judged);
  const { terminalId, flightId, receivedAtMs, enqueuedAtMs } = scope;
  // Records and their settlements in one statement: one round trip, one parse.
  return sendNow(
    tx.execute(sql`
    WITH packed AS MATERIALIZED (
      SELECT decode(${c.hashes.base64}, 'base64') AS hashes, decode(${c.bytes.base64}, 'base64') AS bytes, ${c.linesJson}::jsonb AS lines),
    records AS (
    INSERT INTO sale_records (id, terminal_record_id, terminal_id, flight_id, sequence, kind, voucher_id, referenced_record_id, crew_id, trolley_id, currency,
                              total_minor, lines, reason, code_slot_start_ms, code_counter, created_at_ms, received_at_ms, record_hash, bytes, status, reject_reason)
    SELECT id, terminal_record_id, ${terminalId}::uuid, ${flightId}::uuid, sequence, kind, voucher_id, referenced_record_id, crew_id, trolley_id, currency,
           total_minor, packed.lines -> (ordinal::int - 1), reason, code_slot_start_ms, code_counter, created_at_ms, ${receivedAtMs}::bigint,
           substring(packed.hashes FROM hash_at FOR ${RECORD_HASH_BYTES}), substring(packed.bytes FROM bytes_at FOR bytes_length),
           CASE WHEN reject_reason IS NULL THEN 'accepted' ELSE 'rejected' END, reject_reason
      FROM unnest(${arrayParam(c.ids)}::uuid[], ${arrayParam(c.terminalRecordIds)}::uuid[], ${arrayParam(c.sequences)}::int[], ${arrayParam(c.kinds)}::text[], ${arrayParam(c.voucherIds)}::uuid[],
                  ${arrayParam(c.referencedRecordIds)}::uuid[], ${arrayParam(c.crewIds)}::text[], ${arrayParam(c.trolleyIds)}::text[], ${arrayParam(c.currencies)}::text[],
                  ${arrayParam(c.totalsMinor)}::bigint[], ${arrayParam(c.reasons)}::text[], ${arrayParam(c.codeSlotStartsMs)}::bigint[], ${arrayParam(c.codeCounters)}::bigint[],
                  ${arrayParam(c.createdAtsMs)}::bigint[], ${arrayParam(c.hashes.starts)}::int[], ${arrayParam(c.bytes.starts)}::int[], ${arrayParam(c.bytes.lengths)}::int[],
                  ${arrayParam(c.rejections)}::text[])
        WITH ORDINALITY AS t(id, terminal_record_id, sequence, kind, voucher_id, referenced_record_id, crew_id, trolley_id, currency, total_minor, reason,
                             code_slot_start_ms, code_counter, created_at_ms, hash_at, bytes_at, bytes_length, reject_reason, ordinal),
           packed
    RETURNING id, sequence, kind, reject_reason)
    INSERT INTO settlements (record_id, flight_id, terminal_id, sequence, status, reason, enqueued_at_ms)
    SELECT id, ${flightId}::uuid, ${terminalId}::uuid, sequence, CASE WHEN reject_reason IS NULL THEN 'pending' ELSE 'rejected' END, reject_reason,
           CASE WHEN reject_reason IS NULL THEN ${enqueuedAtMs}::bigint END
      FROM records
     WHERE kind <> 'close'`),
  );
}

/** Each column of the records, filled in one pass; bytes and hashes packed, lines as one JSON text. */
function recordColumns(judged: readonly JudgedRecord[]) {
  const n = judged.length;
  const column = <T>() => new Array<T>(n);
  const c = {
    ids: column<string>(),
    terminalRecordIds: column<string | null>(),
    sequences: column<number>(),
    kinds: column<string>(),
    voucherIds: column<string>(),
    referencedRecordIds: column<string | null>(),
    crewIds: column<string>(),
    trolleyIds: column<string>(),
    currencies: column<string>(),
    totalsMinor: column<number>(),
    reasons: column<string | null>(),
    codeSlotStartsMs: column<number | null>(),
    codeCounters: column<number | null>(),
    createdAtsMs: column<number>(),
    rejections: column<string | null>(),
  };
  for (let i = 0; i < n; i++) {
    const { record, rejection, rowId, referencedRowId } = judged[i]!;
    c.ids[i] = rowId;
    c.terminalRecordIds[i] = rowId === record.recordId ? null : record.recordId;
    c.sequences[i] = record.sequence;
    c.kinds[i] = record.kind;
    c.voucherIds[i] = record.voucherId;
    c.referencedRecordIds[i] = referencedRowId;
    c.crewIds[i] = record.crewId;
    c.trolleyIds[i] = record.trolleyId;
    c.currencies[i] = record.currency;
    c.totalsMinor[i] = record.totalMinor;
    c.reasons[i] = record.reason ?? null;
    c.codeSlotStartsMs[i] = record.presentation?.slotStartMs ?? null;
    c.codeCounters[i] = record.presentation?.counter ?? null;
    c.createdAtsMs[i] = record.createdAtMs;
    c.rejections[i] = rejection ?? null;
  }
  const records = judged.map((j) => j.record);
  return {
    ...c,
    hashes: packed(records.map((r) => r.hash)),
    bytes: packed(records.map((r) => r.bytes)),
    // Only a line's own fields, whatever else an object carries.
    linesJson: JSON.stringify(
      records.map((r) => r.lines),
      LINE_FIELDS,
    ),
  };
}

const LINE_FIELDS: string[] = ["sku", "quantity", "unitPriceMinor"];

/** Byte strings end to end, as one base64 text, with where each starts (from 1, as SQL's substring counts) and its length. */
function packed(parts: readonly Uint8Array[]): { base64: string; starts: number[]; lengths: number[] } {
  const starts: number[] = [];
  let at = 1;
  for (const part of parts) {
    starts.push(at);
    at += part.length;
  }
  return { base64: Buffer.concat(parts).toString("base64"), starts, lengths: parts.map((part) => part.length) };
}

/**
 * Sends a drizzle query now. A drizzle query is a lazy thenable: it goes to the database only when
 * its `then` is called, and `await` would call it a microtask later, after the caller has started
 * checking signatures on the same thread. Calling `then` here puts the statement on the wire
 * first, so PostgreSQL stores while Node verifies (tested in ingest-store.test.ts).
 */
export function sendNow<T>(query: PromiseLike<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    query.then(resolve, reject);
  });
}

/** Overlapping records must be byte-for-byte what is held, and the batch must link to it. */
export async function checkAgainstHeld(
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

/** What to do about a batch whose new records could not be stored because an id was held. */
export type TakenIds =
  /** The new record at `at` (of the new records) reuses an id of this terminal's own: refused, its own doing. */
  | { readonly kind: "refuse"; readonly at: number }
  /** Other terminals' records hold some ids: this batch's records are keyed by the ground's ids instead. */
  | { readonly kind: "rekey"; readonly rowIds: ReadonlyMap<string, string> }
  /** Nothing holds them now (the holder's upload rolled back): try again as it was. */
  | { readonly kind: "again" };

/**
 * Why a batch's new records could not be stored under their keys (`rowIds`: the ground's keys
 * given so far, by the terminal's record id). Read after the batch's transaction rolled back.
 * Record ids are the terminals' choice: a leaked key can upload one read off another terminal's
 * receipt before that terminal lands. The id then stays with the record that took it, and the
 * real terminal's record is keyed by an id of the ground's, its own id kept beside it, so its
 * sales are not stranded. A terminal reusing its own id is refused: it would name two records.
 */
export async function takenIds(
  db: Database,
  terminalId: string,
  fresh: readonly SaleRecord[],
  rowIds: ReadonlyMap<string, string>,
): Promise<TakenIds> {
  const seen = new Set<string>();
  const twice = fresh.findIndex((r) => seen.size === seen.add(r.recordId).size);
  if (twice >= 0) return { kind: "refuse", at: twice };
  const rowIdOf = (r: SaleRecord) => rowIds.get(r.recordId) ?? r.recordId;
  const held = await db
    .select({ id: saleRecords.id, terminalId: saleRecords.terminalId, terminalRecordId: saleRecords.terminalRecordId })
    .from(saleRecords)
    .where(
      or(
        anyUuid(saleRecords.id, fresh.map(rowIdOf)),
        and(
          eq(saleRecords.terminalId, terminalId),
          anyUuid(
            saleRecords.terminalRecordId,
            fresh.map((r) => r.recordId),
          ),
        ),
      ),
    );
  const own = new Set(held.filter((row) => row.terminalId === terminalId).flatMap((row) => [row.id, row.terminalRecordId ?? row.id]));
  const ownAt = fresh.findIndex((r) => own.has(r.recordId) || own.has(rowIdOf(r)));
  if (ownAt >= 0) return { kind: "refuse", at: ownAt };
  const heldElsewhere = new Set(held.map((row) => row.id));
  if (heldElsewhere.size === 0) return { kind: "again" };
  const rekeyed = new Map(rowIds);
  for (const r of fresh) if (heldElsewhere.has(rowIdOf(r))) rekeyed.set(r.recordId, newId());
  return { kind: "rekey", rowIds: rekeyed };
}

/** A batch refused for a new record (`at` of the new records, which start at `offset`) reusing an id of its terminal's. */
export function idTakenRefusal(fresh: readonly SaleRecord[], offset: number, at: number): Omit<BatchRefused, "kind" | "rejectedBatchId"> {
  const { sequence, recordId } = fresh[at]!;
  const reason = "record_id_taken";
  const detail = `record ${sequence} has the id ${recordId}, which this terminal already gave another record`;
  return { reason, detail, chain: { index: offset + at, sequence, reason } };
}

/**
 * Refused batches kept per terminal at most: each is evidence for finance, but a terminal (or a
 * stolen device key) sending refusable batches on end must not fill the database. Past the bound
 * the batch is still refused, with the same answer, and not stored again.
 */
export const REFUSED_BATCHES_PER_TERMINAL_MAX = 100;

export interface BatchRefused {
  readonly kind: "refused";
  readonly reason: string;
  readonly detail: string;
  /** Absent once the terminal has REFUSED_BATCHES_PER_TERMINAL_MAX refused batches kept. */
  readonly rejectedBatchId?: string;
  /** Where in the chain it broke, when it was the chain. */
  readonly chain?: { readonly index: number; readonly sequence: number | undefined; readonly reason: string };
}

/** Keeps a refused batch as evidence for finance (within the bound) and says so. */
export async function keepRefused(
  db: Database,
  input: { terminalId: string; flightId: string; bytes: Uint8Array; nowMs: number },
  refusal: Omit<BatchRefused, "kind" | "rejectedBatchId">,
): Promise<BatchRefused> {
  const { reason, detail, chain } = refusal;
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
  return {
    kind: "refused",
    reason,
    detail,
    ...(id === undefined ? {} : { rejectedBatchId: id }),
    ...(chain === undefined ? {} : { chain }),
  };
}
