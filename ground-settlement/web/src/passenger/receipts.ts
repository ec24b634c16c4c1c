/**
 * The terminals' receipts on the passenger's phone (browser, works offline): checked with the
 * ground's key fetched before the flight (`GET /registrations/:id/receipt-check`, kept by the
 * service worker), kept per voucher in this browser, and summed into what the voucher has left.
 * Kept after logging out: they are the passenger's evidence, and a voucher's page needs its
 * owner's session to open.
 */
import { fromHex, nobleVerifier, type Receipt, verifyReceipt } from "@cabinpay/shared";
import type { ReceiptCheckDto } from "../../../src/dto/receipts.js";

/** Far more than one voucher's purchases on a flight; bounds what a page keeps. */
export const RECEIPTS_KEPT_MAX = 200;

export type ReceiptProblem = "not_a_receipt" | "not_genuine" | "other_voucher";
export type CheckedReceipt = { readonly ok: true; readonly receipt: Receipt } | { readonly ok: false; readonly problem: ReceiptProblem };

/** Checks a scanned text as a receipt for this voucher, offline. */
export function checkReceipt(text: string, registrationId: string, check: ReceiptCheckDto): CheckedReceipt {
  if (!text.trim().startsWith("CPT1:")) return { ok: false, problem: "not_a_receipt" };
  const groundKeys = new Map<string, Uint8Array>();
  for (const key of check.groundKeys) {
    const publicKey = fromHex(key.publicKey);
    if (publicKey !== undefined) groundKeys.set(key.keyId, publicKey);
  }
  const verified = verifyReceipt(text, { groundKeys, verifier: nobleVerifier });
  if (!verified.ok) return { ok: false, problem: "not_genuine" };
  if (verified.receipt.voucherId !== registrationId) return { ok: false, problem: "other_voucher" };
  return verified;
}

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
