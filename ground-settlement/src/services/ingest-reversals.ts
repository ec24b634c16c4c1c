/**
 * Ingest's judgement of voids and refunds: each must reverse an accepted sale it may reverse.
 */
import type { SaleRecord } from "@cabinpay/shared";
import { and, eq, or, sql } from "drizzle-orm";
import { anyUuid, type Executor } from "../db/client.js";
import { saleRecords } from "../db/schema/uploads.js";
import type { RecordRejection } from "./ingest-vouchers.js";

/**
 * Voids and refunds must reverse an accepted sale of the same terminal and flight, and together
 * give back no more than it took (a void gives back all of it, once). One that names another
 * voucher or currency than its sale's is `reversal_mismatch`: a device key must not be able to
 * point a refund at a wallet of its choosing (settlement credits the sale's registration anyway).
 */
export async function reversalState(
  tx: Executor,
  chain: { readonly terminalId: string; readonly flightId: string },
  fresh: readonly SaleRecord[],
  rowIdOf: (recordId: string) => string,
) {
  const { flightId } = chain;
  const referenced = [...new Set(fresh.flatMap((r) => (r.referencedRecordId === undefined ? [] : [r.referencedRecordId])))];
  // The uploading terminal as authenticated, not as its records say: its own records are the ones it may name.
  const held = await heldSales(tx, chain.terminalId, referenced);
  const earlierInBatch = new Map(fresh.map((r) => [r.recordId, r]));
  const reversed = held.reversed;
  return {
    /** The ground's key of the sale a void or refund names (its terminal's own id, unless the ground keyed it otherwise). */
    referencedRowIdOf(record: SaleRecord): string | null {
      const refId = record.referencedRecordId;
      if (refId === undefined) return null;
      return held.sales.get(refId)?.rowId ?? (earlierInBatch.has(refId) ? rowIdOf(refId) : refId);
    },
    /** `rejected`: ids of records of this batch already rejected (a sale with a forged voucher, …). */
    check(record: SaleRecord, rejected: ReadonlySet<string>): RecordRejection | undefined {
      const refId = record.referencedRecordId!;
      const inBatch = earlierInBatch.get(refId);
      const sale: Reversible | undefined =
        held.sales.get(refId) ??
        (inBatch !== undefined && inBatch.sequence < record.sequence
          ? {
              rowId: rowIdOf(refId),
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

interface Reversible {
  readonly rowId: string;
  readonly terminalId: string;
  readonly flightId: string;
  readonly voucherId: string;
  readonly currency: string;
  readonly kind: string;
  readonly status: string;
  readonly totalMinor: number;
}

/**
 * The terminal's own sales the batch's voids and refunds name, held already, by the id the
 * terminal gave them, and what was given back of each so far. A void or refund reverses only a
 * sale of its own terminal: another terminal's record under the same id (the ground keyed one of
 * the two otherwise, `takenIds`) is not looked at, and naming it is an invalid reversal.
 */
async function heldSales(tx: Executor, terminalId: string, referenced: readonly string[]) {
  const sales = new Map<string, Reversible>();
  const reversed = new Map<string, number>();
  if (referenced.length === 0) return { sales, reversed };
  const rows = await tx
    .select({
      rowId: saleRecords.id,
      terminalRecordId: saleRecords.terminalRecordId,
      terminalId: saleRecords.terminalId,
      flightId: saleRecords.flightId,
      voucherId: saleRecords.voucherId,
      currency: saleRecords.currency,
      kind: saleRecords.kind,
      status: saleRecords.status,
      totalMinor: saleRecords.totalMinor,
    })
    .from(saleRecords)
    .where(
      and(
        eq(saleRecords.terminalId, terminalId),
        or(anyUuid(saleRecords.id, referenced), anyUuid(saleRecords.terminalRecordId, referenced)),
      ),
    );
  for (const { terminalRecordId, ...row } of rows) sales.set(terminalRecordId ?? row.rowId, row);
  const byRowId = new Map([...sales].map(([key, sale]) => [sale.rowId, key]));
  const sums = await tx
    .select({ ref: saleRecords.referencedRecordId, total: sql<string>`sum(${saleRecords.totalMinor})::text` })
    .from(saleRecords)
    .where(and(anyUuid(saleRecords.referencedRecordId, [...byRowId.keys()]), eq(saleRecords.status, "accepted")))
    .groupBy(saleRecords.referencedRecordId);
  for (const row of sums) reversed.set(byRowId.get(row.ref!)!, Number(row.total));
  return { sales, reversed };
}
