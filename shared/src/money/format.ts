import { type Money, minorUnitsOf } from "./money.js";

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * The amount as an exact decimal string ("-1234.50" for -123450 CNY fen), built from the integer
 * digits so no float rounding can creep in.
 */
export function toDecimalString(value: Money): string {
  const exponent = minorUnitsOf(value.currency);
  const digits = Math.abs(value.amountMinor)
    .toString()
    .padStart(exponent + 1, "0");
  const sign = value.amountMinor < 0 ? "-" : "";
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** Display text through Intl, e.g. "¥1,280.00" (en) or "¥1,280.00" / "CN¥1,280.00" by locale. */
export function formatMoney(value: Money, locale: string): string {
  const exponent = minorUnitsOf(value.currency);
  const cacheKey = `${locale}|${value.currency}`;
  let formatter = formatters.get(cacheKey);
  if (formatter === undefined) {
    formatter = new Intl.NumberFormat(locale, {
      style: "currency",
      currency: value.currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    formatters.set(cacheKey, formatter);
  }
  // Intl formats a numeric string as an exact decimal (ECMA-402 NumberFormat v3).
  return formatter.format(toDecimalString(value) as Intl.StringNumericLiteral);
}
