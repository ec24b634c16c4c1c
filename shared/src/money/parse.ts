import type { AmountParseRejection } from "../errors.js";
import { minorUnitsOf } from "./money.js";

export const AMOUNT_TEXT_MAX_CHARS = 32;

export type AmountParseResult =
  | { readonly ok: true; readonly amountMinor: number }
  | { readonly ok: false; readonly reason: AmountParseRejection };

const AMOUNT_PATTERN = /^(?:(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?|\.(\d+))$/;

/**
 * Parses an amount typed by a person into minor units of `currency`: "12", "12.5", "1,280.00",
 * full-width digits from a Chinese input method ("１２．５"), with the currency code around it or
 * not ("CNY 12.50"). Refuses negatives, more decimals than the currency has, and anything else.
 */
export function parseAmount(text: string, currency: string): AmountParseResult {
  const exponent = minorUnitsOf(currency);
  if (text.length > AMOUNT_TEXT_MAX_CHARS) return { ok: false, reason: "too_long" };
  let normalized = toHalfWidth(text).trim();
  const upper = normalized.toUpperCase();
  if (upper.startsWith(currency)) normalized = normalized.slice(currency.length).trim();
  else if (upper.endsWith(currency)) normalized = normalized.slice(0, -currency.length).trim();
  if (normalized === "") return { ok: false, reason: "empty" };
  const match = AMOUNT_PATTERN.exec(normalized);
  if (match === null) return { ok: false, reason: "not_a_number" };
  const whole = (match[1] ?? "0").replaceAll(",", "");
  const fraction = match[2] ?? match[3] ?? "";
  if (fraction.length > exponent) return { ok: false, reason: "too_many_decimals" };
  const digits = `${whole}${fraction.padEnd(exponent, "0")}`.replace(/^0+(?=\d)/, "");
  // Compare as digit strings first: a long digit string would lose precision as a Number.
  const max = Number.MAX_SAFE_INTEGER.toString();
  if (digits.length > max.length || (digits.length === max.length && digits > max)) return { ok: false, reason: "too_large" };
  return { ok: true, amountMinor: Number(digits) };
}

function toHalfWidth(text: string): string {
  // U+FF01..U+FF5E mirror ASCII 0x21..0x7E; U+3000 is the ideographic space.
  return text.replace(/[\uFF01-\uFF5E]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0)).replaceAll("\u3000", " ");
}
