/**
 * The purser's reversals, each its own chain record (core process). A void takes back a whole
 * sale; a refund takes back some of its items. Either way the items go back on the trolley and
 * the voucher may spend the amount again. The ground applies the same rules: a void only for a
 * sale nothing was reversed from yet, refunds never more than the sale took.
 */
import { linesTotalMinor, type RecordKind, type ReversalReason } from "@cabinpay/shared";
import type { RefundResult, Refusal, SaleLineRow, SaleListItem, VoidResult } from "../../api/results.js";
import type { TerminalDb } from "../db/open.js";
import type { LoadedFlight } from "../flight/load.js";
import { giveBackOf } from "./account.js";
import { appendRecord } from "./chain.js";
import { listSales } from "./report.js";
import type { Seller } from "./sell.js";
import { isServiceClosed, salesStatements } from "./statements.js";

/** Which sale to reverse and why (from the list; signed into the record). */
export interface Reversal {
  readonly saleRecordId: string;
  readonly reason: ReversalReason;
}

/** The purser voids a sale of this service: stock goes back, the voucher may spend it again. */
export function voidSale(db: TerminalDb, flight: LoadedFlight, seller: Seller, reversal: Reversal, nowMs: number): VoidResult {
  return db.transaction((): VoidResult => {
    const found = reversible(db, flight, seller, reversal.saleRecordId);
    if ("reason" in found) return { ok: false, ...found };
    if (found.refundedMinor > 0)
      return { ok: false, reason: "refunded", detail: "part of this sale was refunded: refund the rest instead of voiding it" };
    const recordId = reverse(db, { flight, seller, sale: found, kind: "void", reason: reversal.reason }, found.lines, nowMs);
    return { ok: true, recordId };
  });
}

/** The purser refunds some items of a sale, at the prices they were sold for. */
export function refundSale(
  db: TerminalDb,
  flight: LoadedFlight,
  seller: Seller,
  reversal: Reversal,
  items: readonly { sku: string; quantity: number }[],
  nowMs: number,
): RefundResult {
  return db.transaction((): RefundResult => {
    const found = reversible(db, flight, seller, reversal.saleRecordId);
    if ("reason" in found) return { ok: false, ...found };
    const lines: SaleLineRow[] = [];
    for (const item of items) {
      const sold = found.lines.find((line) => line.sku === item.sku);
      if (sold === undefined) return { ok: false, reason: "not_in_sale", detail: `${item.sku} was not part of this sale` };
      const left = found.refundable[item.sku] ?? 0;
      if (item.quantity > left)
        return { ok: false, reason: "more_than_sold", detail: `only ${left} of ${item.sku} can still be refunded from this sale` };
      lines.push({ sku: item.sku, quantity: item.quantity, unitPriceMinor: sold.unitPriceMinor });
    }
    const recordId = reverse(db, { flight, seller, sale: found, kind: "refund", reason: reversal.reason }, lines, nowMs);
    return { ok: true, recordId, totalMinor: linesTotalMinor(flight.manifest.currency, lines) };
  });
}

function reversible(
  db: TerminalDb,
  flight: LoadedFlight,
  seller: Seller,
  saleRecordId: string,
): SaleListItem | Refusal<"not_purser" | "service_closed" | "no_such_sale" | "already_voided"> {
  if (seller.crew?.role !== "purser") return { reason: "not_purser", detail: "only the purser can void or refund a sale" };
  if (isServiceClosed(db, flight.flightKey)) return { reason: "service_closed", detail: "the service is closed" };
  const sale = listSales(db, flight).find((s) => s.recordId === saleRecordId);
  if (sale === undefined) return { reason: "no_such_sale", detail: "no such sale on this flight" };
  if (sale.voided) return { reason: "already_voided", detail: "this sale was already voided" };
  return sale;
}

/** Appends the reversal record and puts the items back on the trolley and the amount on the voucher. */
interface ReverseInput {
  readonly flight: LoadedFlight;
  readonly seller: Seller;
  readonly sale: SaleListItem;
  readonly kind: Extract<RecordKind, "void" | "refund">;
  readonly reason: ReversalReason;
}

function reverse(
  db: TerminalDb,
  { flight, seller, sale, kind, reason }: ReverseInput,
  lines: readonly SaleLineRow[],
  nowMs: number,
): string {
  // Before the reversal is in the chain: what the sale's earlier reversals gave back counts.
  const giveBack = giveBackOf(db, flight.manifest, flight.flightKey, sale.recordId, linesTotalMinor(flight.manifest.currency, lines));
  const record = appendRecord(
    db,
    {
      recordId: seller.newId(),
      kind,
      terminalId: seller.terminalId,
      flight: flight.manifest.flight,
      createdAtMs: nowMs,
      crewId: seller.crew!.crewId,
      trolleyId: flight.trolleyId,
      voucherId: sale.voucherId,
      referencedRecordId: sale.recordId,
      currency: flight.manifest.currency,
      lines: lines.map(({ sku, quantity, unitPriceMinor }) => ({ sku, quantity, unitPriceMinor })),
      reason,
    },
    flight.flightKey,
    seller.signer,
  );
  const statements = salesStatements(db);
  for (const line of lines) statements.changeStock.run(line.quantity, flight.flightKey, line.sku);
  statements.giveBackUsage.run({ flight: flight.flightKey, voucher: sale.voucherId, amount: giveBack });
  return record.recordId;
}
