/**
 * Money is an integer count of minor units with its currency; never a float. Every operation is
 * checked: a result outside the safe integer range or a mix of currencies is an error, not a
 * silently wrong number.
 */
import { CabinPayError } from "../errors.js";
import { CURRENCY_MINOR_UNITS, type CurrencyCode, isCurrencyCode } from "./currencies.js";

export interface Money {
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
}

export function minorUnitsOf(currency: string): number {
  if (!isCurrencyCode(currency)) throw new CabinPayError("unknown_currency", `unsupported currency ${JSON.stringify(currency)}`);
  return CURRENCY_MINOR_UNITS[currency];
}

export function money(amountMinor: number, currency: string): Money {
  minorUnitsOf(currency);
  if (!Number.isSafeInteger(amountMinor)) {
    throw new CabinPayError("invalid_amount", `amountMinor must be a safe integer, got ${amountMinor}`);
  }
  return { amountMinor, currency: currency as CurrencyCode };
}

export function zero(currency: string): Money {
  return money(0, currency);
}

export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return checked(a.amountMinor + b.amountMinor, a.currency, "add");
}

export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return checked(a.amountMinor - b.amountMinor, a.currency, "subtract");
}

/** Multiplies by a whole count (a quantity); fractional factors have no place in money paths. */
export function multiplyMoney(a: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor)) throw new CabinPayError("invalid_argument", `factor must be an integer, got ${factor}`);
  return checked(a.amountMinor * factor, a.currency, "multiply");
}

export function sumMoney(items: Iterable<Money>, currency: string): Money {
  let total = zero(currency);
  for (const item of items) total = addMoney(total, item);
  return total;
}

export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return a.amountMinor < b.amountMinor ? -1 : a.amountMinor > b.amountMinor ? 1 : 0;
}

export function moneyEquals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amountMinor === b.amountMinor;
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new CabinPayError("currency_mismatch", `${a.currency} and ${b.currency} do not mix`);
}

function checked(amountMinor: number, currency: CurrencyCode, operation: string): Money {
  // A product or sum beyond 2^53 is already rounded by the time we see it; refusing any result
  // outside the safe range refuses every inexact one.
  if (!Number.isSafeInteger(amountMinor)) {
    throw new CabinPayError("amount_overflow", `${operation} leaves the safe integer range in ${currency}`);
  }
  return { amountMinor, currency };
}
