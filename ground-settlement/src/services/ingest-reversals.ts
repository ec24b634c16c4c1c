/**
 * Ingest's judgement of voids and refunds: each must reverse an accepted sale it may reverse.
 */
import type { SaleRecord } from "@cabinpay/shared";
import { and, eq, sql } from "drizzle-orm";
import { anyUuid, type Executor } from "../db/client.js";
import { saleRecords } from "../db/schema/uploads.js";
import type { RecordRejection } from "./ingest-vouchers.js";

/**
 * Voids and refunds must reverse an accepted sale of the same terminal and flight, and together
 * give back no more than it took (a void gives back all of it, once). One that names another
 * voucher or currency than its sale's is `reversal_mismatch`: a device key must not be able to
 * point a refund at a wallet of its choosing (settlement credits the sale's registration anyway).
 */
export async function reversalState(tx: Executor, flightId: string, fresh: readonly SaleRecord[]) {
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
      .where(anyUuid(saleRecords.id, referenced));
    for (const row of rows) held.set(row.id, row);
    const sums = await tx
      .select({ ref: saleRecords.referencedRecordId, total: sql<string>`sum(${saleRecords.totalMinor})::text` })
      .from(saleRecords)
      .where(and(anyUuid(saleRecords.referencedRecordId, referenced), eq(saleRecords.status, "accepted")))
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
