/**
 * A flight sells in its own currency (a HKD leg); a passenger's hold and debit stay in the
 * account's (CNY). The rate is loaded in the leg's signed manifest, so the terminal offline and the
 * ground after landing convert with the same number and the same rule:
 *
 *   accountMinor = round half up (saleMinor × rateMicros / 1,000,000)
 *
 * where `rateMicros` is account-currency minor units per 1,000,000 sale-currency minor units (so
 * it already carries the two currencies' exponents). Integer arithmetic throughout (BigInt for
 * the product); each record converts its own total, and a void gives back exactly what its sale
 * took.
 */
import { CabinPayError } from "../errors.js";
import type { CurrencyCode } from "./currencies.js";
import { type Money, minorUnitsOf, money } from "./money.js";

export const RATE_SCALE = 1_000_000;
/** 10^6 account minor units per sale minor unit at most: no airline currency pair is that far apart. */
export const RATE_MICROS_MAX = 1_000_000_000_000;
export const RATE_SOURCE_BYTES_MAX = 64;

export interface ExchangeRate {
  /** The account currency this rate converts into. */
  readonly currency: CurrencyCode;
  readonly rateMicros: number;
  /** Where the rate came from, for the receipt and the statement ("airline treasury 2026-12-01 06:00"). */
  readonly source: string;
}

export function isRateMicros(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 1 && value <= RATE_MICROS_MAX;
}

/** The sale amount in the rate's account currency, rounded half up to its minor unit. */
export function convertMinor(amount: Money, rate: ExchangeRate): Money {
  if (!isRateMicros(rate.rateMicros)) throw new CabinPayError("invalid_argument", `rateMicros ${rate.rateMicros} out of range`);
  if (amount.amountMinor < 0) throw new CabinPayError("invalid_argument", "only amounts of 0 or more are converted");
  const product = BigInt(amount.amountMinor) * BigInt(rate.rateMicros);
  const scale = BigInt(RATE_SCALE);
  const rounded = (product + scale / 2n) / scale;
  if (rounded > BigInt(Number.MAX_SAFE_INTEGER)) throw new CabinPayError("amount_overflow", `the converted amount leaves the safe range`);
  return money(Number(rounded), rate.currency);
}

/** The rate for `accountCurrency` among a manifest's, if the flight has one. */
export function rateFor(rates: readonly ExchangeRate[], accountCurrency: string): ExchangeRate | undefined {
  return rates.find((rate) => rate.currency === accountCurrency);
}

/** The rate as people read it: "1 HKD = 0.9123 CNY" (display only; money uses `convertMinor`). */
export function describeRate(saleCurrency: CurrencyCode, rate: ExchangeRate): string {
  const perMajor = (rate.rateMicros * 10 ** minorUnitsOf(saleCurrency)) / 10 ** minorUnitsOf(rate.currency) / RATE_SCALE;
  return `1 ${saleCurrency} = ${perMajor.toFixed(6).replace(/0+$/, "").replace(/\.$/, "")} ${rate.currency}`;
}
