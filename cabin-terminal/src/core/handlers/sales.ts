/** Sales: charge, void, refund, the sales list, the service report and the close; chain writes through the guard. */
import { actingSeller } from "../crew/purser-override.js";
import { receiptFor, reversalReceipt } from "../sales/receipts.js";
import { listSales, serviceReport } from "../sales/report.js";
import { refundSale, voidSale } from "../sales/reverse.js";
import { chargeRecorded, closeService } from "../sales/sell.js";
import type { Handlers } from "./handler.js";

export const salesHandlers = {
  async "sale/charge"(session, { voucherText }) {
    const seller = session.seller();
    const { result, record } = session.chained(() =>
      chargeRecorded(session.db, session.current(), seller, session.cart.lines, voucherText, session.now()),
    );
    if (!result.ok || record === undefined) return result;
    session.cart.clear();
    const { receipt } = result;
    const cap = { leftMinor: receipt.remainingCapMinor, currency: receipt.chargedCurrency };
    const shown = await receiptFor(record, cap, seller);
    return shown === undefined ? result : { ...result, receipt: { ...receipt, receiptQr: shown } };
  },
  async "sale/void"(session, { recordId, reason, purser }) {
    const acting = actingSeller(session, purser);
    if (!("seller" in acting)) return { ok: false, ...acting };
    const flight = session.current();
    const result = session.chained(() => voidSale(session.db, flight, acting.seller, { saleRecordId: recordId, reason }, session.now()));
    if (!result.ok) return result;
    const receiptQr = await reversalReceipt(session.db, flight, result.recordId, acting.seller);
    return receiptQr === undefined ? result : { ...result, receiptQr };
  },
  async "sale/refund"(session, { recordId, reason, lines, purser }) {
    const acting = actingSeller(session, purser);
    if (!("seller" in acting)) return { ok: false, ...acting };
    const reversal = { saleRecordId: recordId, reason };
    const flight = session.current();
    const result = session.chained(() => refundSale(session.db, flight, acting.seller, reversal, lines, session.now()));
    if (!result.ok) return result;
    const receiptQr = await reversalReceipt(session.db, flight, result.recordId, acting.seller);
    return receiptQr === undefined ? result : { ...result, receiptQr };
  },
  async "sale/list"(session) {
    return listSales(session.db, session.withRecords(session.current()));
  },
  async "service/report"(session) {
    return serviceReport(session.db, session.withRecords(session.current()));
  },
  async "service/close"(session, { sealNumber, purser }) {
    const acting = actingSeller(session, purser);
    if (!("seller" in acting)) return { ok: false, ...acting };
    return session.chained(() => closeService(session.db, session.current(), acting.seller, session.now(), sealNumber));
  },
} satisfies Handlers<"sale/charge" | "sale/void" | "sale/refund" | "sale/list" | "service/report" | "service/close">;
