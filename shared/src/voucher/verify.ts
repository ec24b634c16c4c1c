import { SIGNATURE_DOMAIN } from "../crypto/domain.js";
import { keyIdOf, type Verifier } from "../crypto/ed25519.js";
import { base45Decode } from "../encoding/base45.js";
import { DecodeError } from "../encoding/binary.js";
import { concatBytes } from "../encoding/bytes.js";
import type { VoucherRejection } from "../errors.js";
import type { FlightRef } from "../flight.js";
import { LIMITS } from "../limits.js";
import {
  decodeVoucherBytes,
  VOUCHER_ALGORITHM_ED25519,
  VOUCHER_PREFIX_PATTERN,
  VOUCHER_READABLE_VERSIONS,
  type Voucher,
} from "./layout.js";

/** Issuer public keys by key id (16 hex characters), as loaded from the flight manifest. */
export type TrustList = ReadonlyMap<string, Uint8Array>;

export function createTrustList(publicKeys: Iterable<Uint8Array>): TrustList {
  const list = new Map<string, Uint8Array>();
  for (const publicKey of publicKeys) list.set(keyIdOf(publicKey), publicKey.slice());
  return list;
}

export interface VoucherContext {
  readonly trustList: TrustList;
  /** Revoked voucher ids (lowercase UUIDs). */
  readonly revokedIds: ReadonlySet<string>;
  /** The flight being served: carrier and number must match, and the date. */
  readonly flight: FlightRef;
  readonly nowMs: number;
  /** Allowed drift of the terminal clock against the issuer's, applied to both window ends. */
  readonly clockToleranceMs: number;
  readonly verifier: Verifier;
}

export type VoucherResult =
  | { readonly ok: true; readonly voucher: Voucher }
  | { readonly ok: false; readonly reason: VoucherRejection; readonly detail: string };

/**
 * Verifies a scanned or typed voucher offline. Never throws on any input; work is bounded by
 * {@link LIMITS.voucherTextCharsMax} before anything is decoded. Checks run in the order of
 * VOUCHER_REJECTIONS and the first failing one is returned.
 */
export function verifyVoucher(text: string, context: VoucherContext): VoucherResult {
  const decoded = decodeVoucherText(text);
  if (!decoded.ok) return decoded;
  return verifyDecodedVoucher(decoded.voucher, context);
}

/** Checks 7 to 13 of a decoded voucher (key, signature, flight, revocation, window): shared by rotating codes. */
export function verifyDecodedVoucher(voucher: Voucher, context: VoucherContext): VoucherResult {
  const publicKey = context.trustList.get(voucher.issuerKeyId);
  if (publicKey === undefined) return reject("unknown_key", `issuer key ${voucher.issuerKeyId} is not trusted for this flight`);
  if (!voucherSignatureHolds(voucher, publicKey, context.verifier)) {
    return reject("bad_signature", "the signature does not match: forged or altered");
  }
  const otherFlight = voucherFlightMismatch(voucher, context.flight);
  if (otherFlight === "wrong_flight") return reject(otherFlight, `voucher is for ${voucher.flight.carrier}${voucher.flight.number}`);
  if (otherFlight === "wrong_date") return reject(otherFlight, `voucher is for ${voucher.flight.date}`);
  if (context.revokedIds.has(voucher.voucherId)) return reject("revoked", "the registration was cancelled");
  if (context.nowMs + context.clockToleranceMs < voucher.validFromMs) {
    return reject("not_yet_valid", `valid from ${new Date(voucher.validFromMs).toISOString()}`);
  }
  if (context.nowMs - context.clockToleranceMs > voucher.validUntilMs) {
    return reject("expired", `expired ${new Date(voucher.validUntilMs).toISOString()}`);
  }
  return { ok: true, voucher };
}

/**
 * The one signature check of a voucher, on both sides: the terminal with its manifest's trust
 * list, the ground with the issuer keys it made.
 */
export function voucherSignatureHolds(voucher: Voucher, publicKey: Uint8Array, verifier: Verifier): boolean {
  return verifier.verify(voucher.signature, concatBytes(SIGNATURE_DOMAIN.voucher, voucher.signedBytes), publicKey);
}

/** Whether a voucher names another flight (carrier and number) or another day of it. */
export function voucherFlightMismatch(voucher: Voucher, flight: FlightRef): "wrong_flight" | "wrong_date" | undefined {
  if (voucher.flight.carrier !== flight.carrier || voucher.flight.number !== flight.number) return "wrong_flight";
  return voucher.flight.date === flight.date ? undefined : "wrong_date";
}

export type VoucherDecodeResult =
  | { readonly ok: true; readonly voucher: Voucher; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: "malformed" | "unsupported_version" | "unsupported_algorithm"; readonly detail: string };

/** Structure only (no signature, no context): for the ground, which verifies with its own keys. */
export function decodeVoucherText(text: string): VoucherDecodeResult {
  if (typeof text !== "string" || text.length > LIMITS.voucherTextCharsMax) return reject("malformed", "not a voucher (length)");
  // Hardware scanners may append CR/LF; people may paste with spaces around.
  const trimmed = text.trim();
  const prefix = VOUCHER_PREFIX_PATTERN.exec(trimmed);
  if (prefix === null) return reject("malformed", "not a CabinPay voucher");
  const version = Number(prefix[1]);
  if (!VOUCHER_READABLE_VERSIONS.includes(version)) return reject("unsupported_version", `voucher format ${prefix[1]}`);
  const bytes = base45Decode(trimmed.slice(prefix[0].length));
  if (bytes === undefined) return reject("malformed", "not valid base45");
  // The prefix names the layout inside: a v1 body behind "CP2:" was not made by an issuer.
  if (bytes.length > 0 && VOUCHER_READABLE_VERSIONS.includes(bytes[0]!) && bytes[0] !== version)
    return reject("malformed", "the prefix and the voucher's version differ");
  return decodeVoucherBinary(bytes);
}

/** The binary form, as carried inside sale records. */
export function decodeVoucherBinary(bytes: Uint8Array): VoucherDecodeResult {
  if (bytes.length < 2) return reject("malformed", "truncated");
  if (!VOUCHER_READABLE_VERSIONS.includes(bytes[0]!)) return reject("unsupported_version", `voucher format ${bytes[0]}`);
  if (bytes[1] !== VOUCHER_ALGORITHM_ED25519) return reject("unsupported_algorithm", `algorithm ${bytes[1]}`);
  try {
    return { ok: true, voucher: decodeVoucherBytes(bytes), bytes };
  } catch (error) {
    if (error instanceof DecodeError) return reject("malformed", error.message);
    throw error;
  }
}

function reject<R extends VoucherRejection>(reason: R, detail: string): { ok: false; reason: R; detail: string } {
  return { ok: false, reason, detail };
}
