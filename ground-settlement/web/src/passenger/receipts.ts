/**
 * The terminals' receipts on the passenger's phone (browser, works offline): checked
 * (`receipt-check.ts`), kept per voucher in this browser, and summed into what the voucher has left.
 * Kept after logging out: they are the passenger's evidence, and a voucher's page needs its
 * owner's session to open.
 */
import type { Receipt } from "@cabinpay/shared";

/** Far more than one voucher's purchases on a flight; bounds what a page keeps. */
export const RECEIPTS_KEPT_MAX = 200;

const storageName = (registrationId: string) => `cabinpay.receipts.${registrationId}`;

/** The receipts kept for a voucher, as scanned. */
export function keptReceipts(registrationId: string): string[] {
  try {
    const kept: unknown = JSON.parse(localStorage.getItem(storageName(registrationId)) ?? "[]");
    return Array.isArray(kept) ? kept.filter((text): text is string => typeof text === "string").slice(0, RECEIPTS_KEPT_MAX) : [];
  } catch {
    return [];
  }
}

/** Keeps a checked receipt once (a code held in front of the camera is read many times). */
export function keepReceipt(registrationId: string, text: string): "kept" | "already" | "full" {
  const kept = keptReceipts(registrationId);
  if (kept.includes(text.trim())) return "already";
  if (kept.length >= RECEIPTS_KEPT_MAX) return "full";
  localStorage.setItem(storageName(registrationId), JSON.stringify([...kept, text.trim()]));
  return "kept";
}

/**
 * What the voucher has left, as the receipts tell it: each terminal's latest receipt says what the
 * voucher may still spend on it, and the smallest of those is what the passenger can count on.
 */
export function capLeftOf(receipts: readonly Receipt[]): { readonly minor: number; readonly currency: string } | undefined {
  const latest = new Map<string, Receipt>();
  for (const receipt of receipts) {
    const terminal = receipt.certificate.terminalId;
    const before = latest.get(terminal);
    if (before === undefined || receipt.sequence > before.sequence) latest.set(terminal, receipt);
  }
  let least: Receipt | undefined;
  for (const receipt of latest.values()) if (least === undefined || receipt.capLeftMinor < least.capLeftMinor) least = receipt;
  return least === undefined ? undefined : { minor: least.capLeftMinor, currency: least.capCurrency };
}
