/**
 * What crew scanned, checked offline (core process): a printed voucher, or a phone's rotating
 * code. Both go through the shared verifiers with this flight's manifest; a phone-bound voucher
 * shown as a still picture is refused (only its live code proves the phone is there), so is any
 * printed voucher on a flight whose policy is live codes only, and what a
 * code adds (its slot, counter and the phone's signature) travels on into the sale record.
 */
import {
  type CodePresentation,
  concatBytes,
  createTrustList,
  type DeviceVerifier,
  isRotatingCodeText,
  type Manifest,
  type RotatingCodeRejection,
  type SignedMessage,
  type TrustList,
  type Verifier,
  type Voucher,
  verifyRotatingCode,
  verifyVoucher,
} from "@cabinpay/shared";
import { createNodeDeviceVerifier, createNodeVerifier } from "@cabinpay/shared/node";
import type { DeclineReason } from "../../api/results.js";
import { CLOCK_TOLERANCE_MS } from "../flight/load.js";
import { secondCore } from "./second-core.js";

interface Checkers {
  readonly verifier: Verifier;
  readonly deviceVerifier: DeviceVerifier;
}

const NATIVE: Checkers = { verifier: createNodeVerifier(), deviceVerifier: createNodeDeviceVerifier() };

/**
 * How far a code's slot may be from this terminal's clock beyond the slot itself, either way: the
 * terminal's clock is the ground's (checked at every load), a phone's is its own. With 30 s slots a
 * photograph pays for at most 90 s after its slot began (docs/security.md).
 */
export const CODE_TOLERANCE_MS = 30_000;

const DECLINES: Record<RotatingCodeRejection, DeclineReason> = {
  malformed: "malformed",
  unsupported_version: "unsupported",
  unsupported_algorithm: "unsupported",
  unknown_key: "forged",
  bad_signature: "forged",
  wrong_flight: "other_flight",
  wrong_date: "other_flight",
  revoked: "revoked",
  not_yet_valid: "not_yet_valid",
  expired: "expired",
  not_device_bound: "malformed",
  bad_device_signature: "code_forged",
  code_not_yet_valid: "code_not_yet_valid",
  code_expired: "code_expired",
};

export type Scanned =
  | {
      readonly ok: true;
      readonly voucher: Voucher;
      /** The binary voucher, the sale record's evidence. */
      readonly voucherBytes: Uint8Array;
      /** Present when paid with a rotating code. */
      readonly presentation: CodePresentation | undefined;
    }
  | { readonly ok: false; readonly reason: DeclineReason; readonly detail: string };

export function checkScanned(text: string, manifest: Manifest, nowMs: number, checkers: Checkers = NATIVE): Scanned {
  const context = { ...voucherContextOf(manifest), nowMs, clockToleranceMs: CLOCK_TOLERANCE_MS, verifier: checkers.verifier };
  if (isRotatingCodeText(text)) {
    const verified = verifyRotatingCode(text, { ...context, codeToleranceMs: CODE_TOLERANCE_MS, deviceVerifier: checkers.deviceVerifier });
    if (!verified.ok) return { ok: false, reason: DECLINES[verified.reason], detail: verified.detail };
    const { voucher, voucherBytes, slotStartMs, periodS, counter, signature } = verified.code;
    return { ok: true, voucher, voucherBytes, presentation: { slotStartMs, periodS, counter, signature } };
  }
  const verified = verifyVoucher(text, context);
  if (!verified.ok) return { ok: false, reason: DECLINES[verified.reason], detail: verified.detail };
  const { voucher } = verified;
  if (voucher.devicePublicKey !== undefined)
    return { ok: false, reason: "phone_code_required", detail: "a phone-bound voucher pays only with the phone's live code" };
  if (manifest.codePolicy === "codes_only")
    return { ok: false, reason: "printed_not_accepted", detail: "this flight takes only a phone's live code: no printed voucher" };
  return { ok: true, voucher, voucherBytes: concatBytes(voucher.signedBytes, voucher.signature), presentation: undefined };
}

type Declined = Extract<Scanned, { ok: false }>;

/**
 * `checkScanned` in two steps, so that a sale signs its record while the voucher's signature is
 * checked on the second core (`second-core.ts`). The first step runs every check with each
 * Ed25519 signature taken as good and noted, posts the noted ones, and checks a phone's P-256
 * signature here meanwhile; `signaturesHold` takes the answer. The answer is always exactly
 * `checkScanned`'s: when a signature fails, or the first step declines, the full check runs again
 * to name the reason (the same shape as the ground's `verifyBatchInSteps`).
 */
export function checkScannedInSteps(
  text: string,
  manifest: Manifest,
  nowMs: number,
): Declined | (Extract<Scanned, { ok: true }> & { signaturesHold(): Scanned }) {
  const noted: { ed25519: SignedMessage[]; p256: SignedMessage[] } = { ed25519: [], p256: [] };
  const noting = (into: SignedMessage[]) => ({
    name: "noting",
    verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) {
      into.push({ signature, message, publicKey });
      return true;
    },
  });
  const firstStep = checkScanned(text, manifest, nowMs, { verifier: noting(noted.ed25519), deviceVerifier: noting(noted.p256) });
  if (!firstStep.ok) return checkScanned(text, manifest, nowMs) as Declined;
  const posted = secondCore.post(noted.ed25519);
  const phoneHolds = noted.p256.every((item) => NATIVE.deviceVerifier.verify(item.signature, item.message, item.publicKey));
  let answer: Scanned | undefined;
  return {
    ...firstStep,
    signaturesHold: () => (answer ??= posted.take() && phoneHolds ? firstStep : checkScanned(text, manifest, nowMs)),
  };
}

/** The trust list and revocations of a manifest, built once per manifest rather than per sale. */
const voucherContexts = new WeakMap<Manifest, { trustList: TrustList; revokedIds: ReadonlySet<string>; flight: Manifest["flight"] }>();

function voucherContextOf(manifest: Manifest) {
  let context = voucherContexts.get(manifest);
  if (context === undefined) {
    context = {
      trustList: createTrustList(manifest.trustedKeys),
      revokedIds: new Set(manifest.revokedVoucherIds),
      flight: manifest.flight,
    };
    voucherContexts.set(manifest, context);
  }
  return context;
}
