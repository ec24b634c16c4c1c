/**
 * A scanned receipt checked on the passenger's phone, offline (browser, no storage: the witness's
 * tests run it in Node too): signed by a terminal the ground certified, with the ground's keys
 * fetched before the flight (`GET /registrations/:id/receipt-check`, kept by the service worker),
 * and for this voucher.
 */
import { fromHex, nobleVerifier, type Receipt, verifyReceipt } from "@cabinpay/shared";
import type { ReceiptCheckDto } from "../../../src/dto/receipts.js";

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
