/**
 * The passenger's signed receipt of a sale (core process): what the chain record says, the cap
 * left and the record's place in the chain, signed by the device key with the ground's
 * certificate of it (`shared/src/receipt/receipt.ts`), and drawn as a QR code the passenger's
 * phone scans off the screen. A terminal without a certificate yet (enrolled with an older
 * ground) shows no receipt rather than one no phone could check.
 */
import {
  decodeRecord,
  decodeVoucherBinary,
  isCurrencyCode,
  makeReceipt,
  receiptContentOf,
  type SaleRecord,
  type Signer,
} from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import type { ReceiptQr } from "../../api/results.js";
import type { TerminalDb } from "../db/open.js";
import { records } from "../db/schema.js";
import type { LoadedFlight } from "../flight/load.js";
import { salesStatements } from "./statements.js";

export type ReceiptShown = ReceiptQr;

/** The signed record as stored, for its receipt. */
export function storedRecord(db: TerminalDb, recordId: string): SaleRecord {
  const [row] = db.select({ bytes: records.bytes }).from(records).where(eq(records.recordId, recordId)).all();
  const decoded = row === undefined ? undefined : decodeRecord(new Uint8Array(row.bytes));
  if (decoded === undefined || !decoded.ok) throw new Error(`record ${recordId} is not stored`);
  return decoded.record;
}

export async function receiptFor(
  record: SaleRecord,
  cap: { readonly leftMinor: number; readonly currency: string },
  device: { readonly signer: Signer; readonly certificate?: Uint8Array },
): Promise<ReceiptShown | undefined> {
  if (device.certificate === undefined || record.kind === "close" || !isCurrencyCode(cap.currency)) return undefined;
  // The sale is committed and approved whatever happens here: a receipt that cannot be made (a
  // certificate left from another key, say) is left out, never turned into an error crew would
  // read as "not paid" and charge again.
  let text: string;
  try {
    text = makeReceipt(receiptContentOf(record, { leftMinor: cap.leftMinor, currency: cap.currency }), device.certificate, device.signer);
  } catch {
    return undefined;
  }
  return { text };
}

/**
 * A void's or refund's receipt: the cap left is what the voucher may spend on this terminal now
 * that the reversal gave its amount back, in the voucher's currency (the sale's evidence says which).
 */
export function reversalReceipt(
  db: TerminalDb,
  flight: LoadedFlight,
  recordId: string,
  device: { readonly signer: Signer; readonly certificate?: Uint8Array },
): Promise<ReceiptShown | undefined> {
  const reversal = storedRecord(db, recordId);
  const sale = storedRecord(db, reversal.referencedRecordId!);
  const voucher = decodeVoucherBinary(sale.voucherBytes!);
  if (!voucher.ok) return Promise.resolve(undefined);
  const spentMinor = salesStatements(db).usage.get(flight.flightKey, sale.voucherId)?.spent_minor ?? 0;
  const cap = { leftMinor: voucher.voucher.cap.amountMinor - spentMinor, currency: voucher.voucher.cap.currency };
  return receiptFor(reversal, cap, device);
}
