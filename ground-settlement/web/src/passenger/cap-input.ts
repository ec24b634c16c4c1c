/**
 * The spending cap a passenger types (browser): parsed by the shared money parser (no float, no
 * silent rounding: "12.345" is refused, not held as 12.35), checked against the limit, and the
 * quick amounts offered under that limit. Pure, so the register page only shows what it says.
 */
import { minorUnitsOf, parseAmount } from "@cabinpay/shared";
import type { Words } from "../i18n/en.js";

export type CapCheck = { readonly ok: true; readonly capMinor: number } | { readonly ok: false; readonly problem: string | undefined };

/** Round amounts in whole units of the currency, offered as buttons when under the limit. */
const QUICK_WHOLE_UNITS = [100, 200, 500, 1_000, 2_000] as const;
const QUICK_PICKS_MAX = 4;

export function checkCap(text: string, currency: string, limitMinor: number, t: Words, formatLimit: (minor: number) => string): CapCheck {
  // Nothing typed yet is not an error to shout about; the button stays off until there is an amount.
  if (text.trim() === "") return { ok: false, problem: undefined };
  const parsed = parseAmount(text, currency);
  if (!parsed.ok) {
    if (parsed.reason === "too_many_decimals") return { ok: false, problem: t.register.capTooManyDecimals(minorUnitsOf(currency)) };
    if (parsed.reason === "too_large") return { ok: false, problem: t.register.capOverLimit(formatLimit(limitMinor)) };
    if (parsed.reason === "empty") return { ok: false, problem: t.register.capEmpty };
    return { ok: false, problem: t.register.capNotANumber };
  }
  if (parsed.amountMinor === 0) return { ok: false, problem: t.register.capZero };
  if (parsed.amountMinor > limitMinor) return { ok: false, problem: t.register.capOverLimit(formatLimit(limitMinor)) };
  return { ok: true, capMinor: parsed.amountMinor };
}

/** The quick amounts under the limit, in minor units, smallest first. */
export function quickCaps(currency: string, limitMinor: number): number[] {
  const unitMinor = 10 ** minorUnitsOf(currency);
  return QUICK_WHOLE_UNITS.map((whole) => whole * unitMinor)
    .filter((minor) => minor <= limitMinor)
    .slice(0, QUICK_PICKS_MAX);
}
