/**
 * Ingest's storage: the chain held checked against a batch, its records and settlements written in
 * one statement, and refused batches kept as evidence.
 */
import { bytesEqual, GENESIS_HASH, newId, type SaleRecord } from "@cabinpay/shared";
import { and, eq, gte, lte, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { rejectedBatches, saleRecords, type settlements } from "../db/schema/uploads.js";

/**
 * One statement per table whatever the batch size: columns travel as arrays and `unnest` makes
 * the rows (a multi-row VALUES would bind 17 parameters per record). The records' bytes and hashes
 * travel as one hex text each, decoded once and cut per row by offset: as text arrays, node-pg
 * built and escaped a thousand elements of each, and PGlite serializes a binary parameter byte by
 * byte in JavaScript. One hex text reads alike in PostgreSQL and PGlite.
 */
export function insertRecords(
  tx: Executor,
  rows: readonly (typeof saleRecords.$inferInsert)[],
  settlementRows: readonly (typeof settlements.$inferInsert)[],
): Promise<unknown> {
  const list = (values: readonly (string | number | null | undefined)[]) => sql.param(arrayLiteral(values));
  const column = (pick: (row: typeof saleRecords.$inferInsert) => string | number | null | undefined) => list(rows.map(pick));
  const bytes = packed(rows.map((r) => r.bytes));
  const hashes = packed(rows.map((r) => r.recordHash));
  // Records and their settlements in one statement: one round trip, one parse.
  return sendNow(
    tx.execute(sql`
    WITH packed AS MATERIALIZED (SELECT decode(${hashes.hex}, 'hex') AS hashes, decode(${bytes.hex}, 'hex') AS bytes),
    records AS (
    INSERT INTO sale_records (id, terminal_id, flight_id, sequence, kind, voucher_id, referenced_record_id, crew_id, trolley_id, currency,
                              total_minor, lines, reason, code_slot_start_ms, code_counter, created_at_ms, received_at_ms, record_hash, bytes, status, reject_reason)
    SELECT id, ${rows[0]!.terminalId}::uuid, ${rows[0]!.flightId}::uuid, sequence, kind, voucher_id, referenced_record_id, crew_id, trolley_id, currency,
           total_minor, lines::jsonb, reason, code_slot_start_ms, code_counter, created_at_ms, ${rows[0]!.receivedAtMs}::bigint, substring(packed.hashes FROM hash_at FOR hash_length), substring(packed.bytes FROM bytes_at FOR bytes_length), status, reject_reason
      FROM unnest(${column((r) => r.id)}::uuid[], ${column((r) => r.sequence)}::int[], ${column((r) => r.kind)}::text[], ${column((r) => r.voucherId)}::uuid[],
                  ${column((r) => r.referencedRecordId ?? null)}::uuid[], ${column((r) => r.crewId)}::text[], ${column((r) => r.trolleyId)}::text[],
                  ${column((r) => r.currency)}::text[], ${column((r) => r.totalMinor)}::bigint[], ${column((r) => JSON.stringify(r.lines))}::text[],
                  ${column((r) => r.reason ?? null)}::text[], ${column((r) => r.codeSlotStartMs ?? null)}::bigint[],
                  ${column((r) => r.codeCounter ?? null)}::bigint[], ${column((r) => r.createdAtMs)}::bigint[], ${list(hashes.starts)}::int[], ${list(hashes.lengths)}::int[], ${list(bytes.starts)}::int[], ${list(bytes.lengths)}::int[],
                  ${column((r) => r.status)}::text[], ${column((r) => r.rejectReason ?? null)}::text[])
        AS t(id, sequence, kind, voucher_id, referenced_record_id, crew_id, trolley_id, currency, total_minor, lines, reason, code_slot_start_ms, code_counter, created_at_ms, hash_at, hash_length, bytes_at, bytes_length, status, reject_reason),
           packed
    RETURNING id)
    INSERT INTO settlements (record_id, flight_id, terminal_id, sequence, status, reason)
    SELECT record_id, ${rows[0]!.flightId}::uuid, ${rows[0]!.terminalId}::uuid, sequence, status, reason
      FROM unnest(${list(settlementRows.map((r) => r.recordId))}::uuid[], ${list(settlementRows.map((r) => r.sequence))}::int[],
                  ${list(settlementRows.map((r) => r.status))}::text[], ${list(settlementRows.map((r) => r.reason ?? null))}::text[])
        AS t(record_id, sequence, status, reason)
     WHERE EXISTS (SELECT 1 FROM records)`),
  );
}

/**
 * A PostgreSQL array literal, built here in one join: node-pg builds one element at a time and runs
 * two regular expressions over each, which at 20 columns of 1,000 records was a tenth of ingest's
 * garbage. Numbers go bare, text quoted (escaped only when it holds a quote or backslash), so no
 * text ever reads as NULL.
 */
export function arrayLiteral(values: readonly (string | number | null | undefined)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) parts[i] = "NULL";
    else if (typeof value === "number") parts[i] = String(value);
    else parts[i] = `"${NEEDS_ESCAPE.test(value) ? value.replace(NEEDS_ESCAPE_ALL, "\\$&") : value}"`;
  }
  return `{${parts.join(",")}}`;
}

const NEEDS_ESCAPE = /["\\]/;
const NEEDS_ESCAPE_ALL = /["\\]/g;

/** Byte strings end to end, as one hex text, with where each starts (from 1, as SQL's substring counts) and its length. */
function packed(parts: readonly Uint8Array[]): { hex: string; starts: number[]; lengths: number[] } {
  const starts: number[] = [];
  let at = 1;
  for (const part of parts) {
    starts.push(at);
    at += part.length;
  }
  return { hex: Buffer.concat(parts).toString("hex"), starts, lengths: parts.map((part) => part.length) };
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
