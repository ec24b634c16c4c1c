/**
 * What a sale or a reversal moves on its voucher, in the voucher's (the account's) currency (core
 * process): the sale's own total on a flight in the voucher's currency, else the total converted
 * at the rate loaded in the signed manifest (`shared/src/money/exchange.ts`, the rule the ground
 * settles with). Reversals give back at most what their sale took.
 */
import { convertMinor, decodeRecord, decodeVoucherBinary, type ExchangeRate, type Manifest, money, rateFor } from "@cabinpay/shared";
import { and, eq } from "drizzle-orm";
import type { TerminalDb } from "../db/open.js";
import { records } from "../db/schema.js";
import { TerminalError } from "../errors.js";

export interface AccountTerms {
  readonly currency: string;
  /** Undefined when the voucher is in the flight's currency. */
  readonly rate: ExchangeRate | undefined;
}

/** The voucher currency's terms on this flight; undefined when the flight has no rate into it. */
export function accountTerms(manifest: Manifest, voucherCurrency: string): AccountTerms | undefined {
  if (voucherCurrency === manifest.currency) return { currency: voucherCurrency, rate: undefined };
  const rate = rateFor(manifest.rates, voucherCurrency);
  return rate === undefined ? undefined : { currency: voucherCurrency, rate };
}

export function inAccount(manifest: Manifest, terms: AccountTerms, saleMinor: number): number {
  return terms.rate === undefined ? saleMinor : convertMinor(money(saleMinor, manifest.currency), terms.rate).amountMinor;
}

/** What a new reversal of `saleRecordId` gives back to its voucher: its own amount, within what the sale has left to give. */
export function giveBackOf(db: TerminalDb, manifest: Manifest, flightKey: string, saleRecordId: string, reversalMinor: number): number {
  const [sale] = db.select().from(records).where(eq(records.recordId, saleRecordId)).all();
  const decoded = sale === undefined ? undefined : decodeRecord(new Uint8Array(sale.bytes));
  if (decoded === undefined || !decoded.ok || decoded.record.voucherBytes === undefined)
    throw new TerminalError("database_damaged", `sale ${saleRecordId} cannot be read back`);
  const voucherCurrency = voucherCurrencyOf(decoded.record.voucherBytes);
  const terms = accountTerms(manifest, voucherCurrency);
  if (terms === undefined) throw new TerminalError("database_damaged", `sale ${saleRecordId} was made in ${voucherCurrency} with no rate`);
  let left = inAccount(manifest, terms, sale!.totalMinor);
  const earlier = db
    .select({ totalMinor: records.totalMinor })
    .from(records)
    .where(and(eq(records.flightKey, flightKey), eq(records.referencedRecordId, saleRecordId)))
    .orderBy(records.sequence)
    .all();
  for (const reversal of earlier) left -= Math.min(inAccount(manifest, terms, reversal.totalMinor), left);
  return Math.min(inAccount(manifest, terms, reversalMinor), left);
}

function voucherCurrencyOf(voucherBytes: Uint8Array): string {
  const voucher = decodeVoucherBinary(voucherBytes);
  if (!voucher.ok) throw new TerminalError("database_damaged", "a stored sale's voucher cannot be read back");
  return voucher.voucher.cap.currency;
}
