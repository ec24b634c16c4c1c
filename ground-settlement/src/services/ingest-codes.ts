/**
 * Ingest's judgement of sales paid with a phone's rotating code. The record keeps the code's slot,
 * counter and the phone's signature (record format v2); the ground rebuilds the code around the
 * voucher and checks the signature with the device key the voucher names. A terminal whose key
 * leaked can sign records, not a passenger's codes: without a code the phone made, no sale on a
 * phone-bound voucher is accepted (`code_forged`). A code pays once, cabin-wide: the second sale
 * with the same voucher, slot and counter (a photo shown on another trolley within its window)
 * is `code_reused`, and the passenger's wallet is not debited for it. A partial unique index on
 * accepted sales backs this against two uploads racing.
 */
import { presentationHolds, type SaleRecord } from "@cabinpay/shared";
import { createNodeDeviceVerifier } from "@cabinpay/shared/node";
import { and, eq, isNotNull } from "drizzle-orm";
import { anyUuid, type Executor } from "../db/client.js";
import { saleRecords } from "../db/schema/uploads.js";
import type { RecordRejection } from "./ingest-vouchers.js";

const keyOf = (voucherId: string, slotStartMs: number, counter: number) => `${voucherId}:${slotStartMs}:${counter}`;

const deviceVerifier = createNodeDeviceVerifier();

export async function codeState(tx: Executor, flightId: string, fresh: readonly SaleRecord[]) {
  const vouchers = [...new Set(fresh.flatMap((r) => (r.presentation === undefined ? [] : [r.voucherId])))];
  const taken = new Set<string>();
  if (vouchers.length > 0) {
    const rows = await tx
      .select({ voucherId: saleRecords.voucherId, slotStartMs: saleRecords.codeSlotStartMs, counter: saleRecords.codeCounter })
      .from(saleRecords)
      .where(
        and(
          eq(saleRecords.flightId, flightId),
          anyUuid(saleRecords.voucherId, vouchers),
          eq(saleRecords.status, "accepted"),
          isNotNull(saleRecords.codeSlotStartMs),
        ),
      );
    for (const row of rows) taken.add(keyOf(row.voucherId, row.slotStartMs!, row.counter!));
  }
  return {
    /** For a sale its voucher's judge accepted; remembers the code it lets through. */
    check(record: SaleRecord): RecordRejection | undefined {
      const shown = record.presentation;
      if (shown === undefined) return undefined;
      if (!presentationHolds(record.voucherBytes!, shown, deviceVerifier)) return "code_forged";
      const key = keyOf(record.voucherId, shown.slotStartMs, shown.counter);
      if (taken.has(key)) return "code_reused";
      taken.add(key);
      return undefined;
    },
  };
}
