/**
 * Rotating codes: what a phone-bound voucher shows in the aisle. Every period (30 s by default)
 * the passenger's phone signs, with its device key, the voucher, the start of the current time
 * slot and a counter; the terminal verifies the issuer's signature on the voucher, the phone's on
 * the code, and the slot against its own clock. A photograph of the screen is dead once its slot
 * has passed (plus the tolerance), and a terminal refuses a (slot, counter) it already took.
 *
 * Layout (big-endian; docs/protocol.md has the table):
 *   u8 version=1 · bytes16 voucher (binary, with a device key) · u32 slot start (Unix s, a
 *   multiple of the period) · u16 period (s) · u32 counter · 64 signature (ECDSA P-256 / SHA-256
 *   by the voucher's device key over "CPC1" ‖ all bytes before it)
 * Text: "CPC1:" + base45(bytes), QR alphanumeric mode like a voucher.
 */
import { SIGNATURE_DOMAIN } from "../crypto/domain.js";
import { type DeviceSigner, type DeviceVerifier, nobleDeviceVerifier, P256_SIGNATURE_BYTES } from "../crypto/p256.js";
import { base45Decode, base45Encode } from "../encoding/base45.js";
import { ByteReader, ByteWriter, DecodeError } from "../encoding/binary.js";
import { bytesEqual, concatBytes } from "../encoding/bytes.js";
import { check, type RotatingCodeRejection } from "../errors.js";
import { LIMITS } from "../limits.js";
import type { Voucher } from "./layout.js";
import { decodeVoucherBinary, type VoucherContext, verifyDecodedVoucher } from "./verify.js";

export const ROTATING_CODE_FORMAT_VERSION = 1;
export const ROTATING_CODE_TEXT_PREFIX = "CPC1:";
/** The longest binary voucher (a 48-byte name, the longest flight and seat, a device key). */
const VOUCHER_BYTES_MAX = 256;
const MS_PER_S = 1000;

/**
 * What of a rotating code a sale record keeps beside the voucher: enough to rebuild the code and
 * check the phone's signature on the ground. It proves the phone was there: a terminal's leaked
 * key can sign records, but not the passenger's codes.
 */
export interface CodePresentation {
  readonly slotStartMs: number;
  readonly periodS: number;
  readonly counter: number;
  readonly signature: Uint8Array;
}

/** u32 slot start (s) · u16 period · u32 counter · 64 signature. */
export const CODE_PRESENTATION_BYTES = 4 + 2 + 4 + P256_SIGNATURE_BYTES;

export interface RotatingCode {
  readonly voucher: Voucher;
  /** The binary voucher inside: what a sale record carries as its evidence. */
  readonly voucherBytes: Uint8Array;
  readonly slotStartMs: number;
  readonly periodS: number;
  /** The phone's count of codes it made for this voucher: two codes of one slot differ. */
  readonly counter: number;
  readonly signature: Uint8Array;
}

/**
 * The code for the slot `nowMs` falls in. The phone's clock decides the slot; it keeps the offset
 * to the ground's clock it learnt at registration, so a wrong phone clock does not kill its codes.
 */
export async function makeRotatingCode(
  voucherBytes: Uint8Array,
  slot: { readonly nowMs: number; readonly periodS: number; readonly counter: number },
  signer: DeviceSigner,
): Promise<string> {
  const body = rotatingCodeBody(voucherBytes, slot, signer.publicKey);
  return rotatingCodeText(body, await signer.sign(concatBytes(SIGNATURE_DOMAIN.rotatingCode, body)));
}

/** The signed part of a code; the signature covers "CPC1" ‖ these bytes. Throws `invalid_argument`. */
export function rotatingCodeBody(
  voucherBytes: Uint8Array,
  slot: { readonly nowMs: number; readonly periodS: number; readonly counter: number },
  devicePublicKey: Uint8Array,
): Uint8Array {
  const decoded = decodeVoucherBinary(voucherBytes);
  check(decoded.ok && decoded.voucher.devicePublicKey !== undefined, "a rotating code needs a voucher bound to a device key");
  check(bytesEqual(decoded.voucher.devicePublicKey!, devicePublicKey), "the signer is not the voucher's device key");
  check(Number.isInteger(slot.periodS) && slot.periodS >= LIMITS.codePeriodSMin && slot.periodS <= LIMITS.codePeriodSMax, "period");
  check(Number.isInteger(slot.counter) && slot.counter >= 0 && slot.counter <= 0xffff_ffff, "counter");
  check(Number.isSafeInteger(slot.nowMs) && slot.nowMs >= 0, "nowMs");
  return codeBody(voucherBytes, Math.floor(slot.nowMs / MS_PER_S / slot.periodS) * slot.periodS, slot.periodS, slot.counter);
}

/** The signed part of a code: one layout for the phone that makes it and the ground that rebuilds it. */
function codeBody(voucherBytes: Uint8Array, slotStartS: number, periodS: number, counter: number): Uint8Array {
  return new ByteWriter()
    .u8(ROTATING_CODE_FORMAT_VERSION)
    .bytes16(voucherBytes, VOUCHER_BYTES_MAX)
    .u32(slotStartS)
    .u16(periodS)
    .u32(counter)
    .finish();
}

/** The QR text of a signed code body. */
export function rotatingCodeText(body: Uint8Array, signature: Uint8Array): string {
  check(signature.length === P256_SIGNATURE_BYTES, "a P-256 signature is 64 bytes (r ‖ s)");
  return ROTATING_CODE_TEXT_PREFIX + base45Encode(concatBytes(body, signature));
}

/**
 * Whether a sale's presentation was signed by the phone its voucher names: the code is rebuilt
 * from the voucher bytes and checked as the terminal checked it (the slot's time is the
 * terminal's business at the scan; the ground checks the signature and that no code pays twice).
 */
export function presentationHolds(
  voucherBytes: Uint8Array,
  presentation: CodePresentation,
  deviceVerifier: DeviceVerifier = nobleDeviceVerifier,
): boolean {
  const decoded = decodeVoucherBinary(voucherBytes);
  if (!decoded.ok || decoded.voucher.devicePublicKey === undefined) return false;
  const slotStartS = presentation.slotStartMs / MS_PER_S;
  if (!Number.isInteger(slotStartS) || slotStartS < 0 || slotStartS > 0xffff_ffff) return false;
  if (!Number.isInteger(presentation.periodS) || presentation.periodS < 0 || presentation.periodS > 0xffff) return false;
  if (!Number.isInteger(presentation.counter) || presentation.counter < 0 || presentation.counter > 0xffff_ffff) return false;
  const body = codeBody(voucherBytes, slotStartS, presentation.periodS, presentation.counter);
  return deviceVerifier.verify(presentation.signature, concatBytes(SIGNATURE_DOMAIN.rotatingCode, body), decoded.voucher.devicePublicKey);
}

/** Whether a scanned text is a rotating code (rather than a printed voucher): by its prefix. */
export function isRotatingCodeText(text: string): boolean {
  return typeof text === "string" && text.trimStart().startsWith(ROTATING_CODE_TEXT_PREFIX);
}

export interface RotatingCodeContext extends VoucherContext {
  /** How far the slot may be from the terminal's clock, either way, beyond the slot itself. */
  readonly codeToleranceMs: number;
  /** The phone's signature's checker: portable unless a faster one is given (node:crypto in Node). */
  readonly deviceVerifier?: DeviceVerifier;
}

export type RotatingCodeResult =
  | { readonly ok: true; readonly code: RotatingCode }
  | { readonly ok: false; readonly reason: RotatingCodeRejection; readonly detail: string };

/**
 * Verifies a rotating code offline. Never throws; work is bounded by the text's length limit
 * before anything is decoded, and at most two signatures are checked (the issuer's, the phone's).
 */
export function verifyRotatingCode(text: string, context: RotatingCodeContext): RotatingCodeResult {
  const decoded = decodeRotatingCode(text);
  if (!decoded.ok) return decoded;
  const { code, signedBytes, signature } = decoded;
  const voucherVerdict = verifyDecodedVoucher(code.voucher, context);
  if (!voucherVerdict.ok) return voucherVerdict;
  const deviceKey = code.voucher.devicePublicKey;
  if (deviceKey === undefined) return reject("not_device_bound", "this voucher is printed, not bound to a phone: scan it as a voucher");
  const deviceVerifier = context.deviceVerifier ?? nobleDeviceVerifier;
  if (!deviceVerifier.verify(signature, concatBytes(SIGNATURE_DOMAIN.rotatingCode, signedBytes), deviceKey))
    return reject("bad_device_signature", "the code was not made by the phone this voucher belongs to");
  if (context.nowMs + context.codeToleranceMs < code.slotStartMs)
    return reject("code_not_yet_valid", `the code is for ${new Date(code.slotStartMs).toISOString()}: the phone's clock is ahead`);
  const slotEndMs = code.slotStartMs + code.periodS * MS_PER_S;
  if (context.nowMs - context.codeToleranceMs > slotEndMs)
    return reject("code_expired", `the code's slot ended ${new Date(slotEndMs).toISOString()}: a photo or an old screen`);
  return { ok: true, code };
}

type Decoded =
  | { readonly ok: true; readonly code: RotatingCode; readonly signedBytes: Uint8Array; readonly signature: Uint8Array }
  | { readonly ok: false; readonly reason: "malformed" | "unsupported_version" | "unsupported_algorithm"; readonly detail: string };

/** Structure only: the text, the layout, and the voucher inside (no signature checked). */
export function decodeRotatingCode(text: string): Decoded {
  if (typeof text !== "string" || text.length > LIMITS.rotatingCodeTextCharsMax) return reject("malformed", "not a code (length)");
  const trimmed = text.trim();
  if (!trimmed.startsWith(ROTATING_CODE_TEXT_PREFIX)) return reject("malformed", "not a CabinPay rotating code");
  const bytes = base45Decode(trimmed.slice(ROTATING_CODE_TEXT_PREFIX.length));
  if (bytes === undefined) return reject("malformed", "not valid base45");
  if (bytes.length > 0 && bytes[0] !== ROTATING_CODE_FORMAT_VERSION) return reject("unsupported_version", `code format ${bytes[0]}`);
  try {
    return decodeCodeBytes(bytes);
  } catch (error) {
    if (error instanceof DecodeError) return reject("malformed", error.message);
    throw error;
  }
}

function decodeCodeBytes(bytes: Uint8Array): Decoded {
  const reader = new ByteReader(bytes);
  reader.u8("version");
  const voucherBytes = reader.bytes16("voucher", 2, VOUCHER_BYTES_MAX).slice();
  const slotStartS = reader.u32("slot start");
  const periodS = reader.u16("period");
  const counter = reader.u32("counter");
  const signedBytes = bytes.slice(0, reader.position);
  const signature = reader.fixed(P256_SIGNATURE_BYTES, "signature").slice();
  reader.end("rotating code");
  if (periodS < LIMITS.codePeriodSMin || periodS > LIMITS.codePeriodSMax) throw new DecodeError("code: period");
  if (slotStartS % periodS !== 0) throw new DecodeError("code: the slot does not start on the period");
  const inner = decodeVoucherBinary(voucherBytes);
  if (!inner.ok) return inner;
  const code = { voucher: inner.voucher, voucherBytes, slotStartMs: slotStartS * MS_PER_S, periodS, counter, signature };
  return { ok: true, code, signedBytes, signature };
}

function reject<R extends RotatingCodeRejection>(reason: R, detail: string): { ok: false; reason: R; detail: string } {
  return { ok: false, reason, detail };
}
