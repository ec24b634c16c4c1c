/**
 * Voucher binary layout (big-endian; see docs/protocol.md for the table):
 *
 *   u8 version · u8 algorithm=1 (Ed25519) · 8 issuer key id · 16 voucher id · 16 account ref ·
 *   flight (str8 carrier, str8 number, u16 date) · u32 cap minor · 3 currency ·
 *   u32 valid-from (Unix s) · u32 valid-until (Unix s) · str8 passenger name · str8 seat ·
 *   [v2: u8 length 0 or 33 · the passenger's device key, compressed P-256] ·
 *   64 signature over "CPV1" ‖ all bytes before it
 *
 * Text form: "CP<version>:" + base45(bytes), all in the QR alphanumeric set.
 */

import { ED25519_SIGNATURE_BYTES, KEY_ID_BYTES } from "../crypto/ed25519.js";
import { isDevicePublicKey, P256_PUBLIC_KEY_BYTES } from "../crypto/p256.js";
import { ByteReader, ByteWriter, DecodeError } from "../encoding/binary.js";
import { asciiBytes, fromHex, toHex } from "../encoding/bytes.js";
import { check } from "../errors.js";
import { type FlightRef, readFlight, writeFlight } from "../flight.js";
import { isUuid, UUID_BYTES, uuidToBytes } from "../ids/uuid.js";
import { LIMITS } from "../limits.js";
import { isCurrencyCode } from "../money/currencies.js";
import { type Money, money } from "../money/money.js";

/** v2 added the passenger's device key (a voucher bound to a phone is shown as rotating codes). */
export const VOUCHER_FORMAT_VERSION = 2;
/** Every version this code reads: vouchers issued before an update stay good until they expire. */
export const VOUCHER_READABLE_VERSIONS: readonly number[] = [1, 2];
export const VOUCHER_ALGORITHM_ED25519 = 1;
export const VOUCHER_TEXT_PREFIX = `CP${VOUCHER_FORMAT_VERSION}:`;
/** Any "CP<digits>:" prefix is ours; a version we do not know is `unsupported_version`. */
export const VOUCHER_PREFIX_PATTERN = /^CP(\d{1,3}):/;

const SEAT_PATTERN = /^[1-9][0-9]{0,2}[A-Z]$/;
const MS_PER_S = 1000;

/** What the ground vouches for when it issues a voucher. */
export interface VoucherClaims {
  readonly voucherId: string;
  /** The ground's account the hold sits on (a UUID, no personal data). */
  readonly accountRef: string;
  readonly flight: FlightRef;
  readonly cap: Money;
  /** Whole seconds (the voucher carries seconds); ms for uniformity with every other time. */
  readonly validFromMs: number;
  readonly validUntilMs: number;
  /** Shown to crew on approval, to compare with the boarding pass. */
  readonly passengerName: string;
  readonly seat?: string;
  /**
   * The passenger's phone key (compressed P-256): the voucher is then only good as rotating codes
   * that key signs. Absent for a voucher printed at check-in (no phone), and in every v1 voucher.
   */
  readonly devicePublicKey?: Uint8Array;
}

export interface Voucher extends VoucherClaims {
  /** The version it was encoded in: this code writes VOUCHER_FORMAT_VERSION and reads every readable one. */
  readonly formatVersion: number;
  /** Key id of the issuer key, 16 lowercase hex characters. */
  readonly issuerKeyId: string;
  readonly signature: Uint8Array;
  /** The exact bytes the signature covers (without the domain tag). */
  readonly signedBytes: Uint8Array;
}

export function validateClaims(claims: VoucherClaims): void {
  check(isUuid(claims.voucherId), "voucherId must be a UUID");
  check(isUuid(claims.accountRef), "accountRef must be a UUID");
  check(isCurrencyCode(claims.cap.currency), "cap currency");
  check(claims.cap.amountMinor > 0 && claims.cap.amountMinor <= LIMITS.voucherCapMinorMax, "cap out of range");
  check(claims.validFromMs % MS_PER_S === 0 && claims.validUntilMs % MS_PER_S === 0, "validity in whole seconds");
  check(claims.validFromMs >= 0 && claims.validUntilMs / MS_PER_S <= 0xffff_ffff, "validity out of range");
  check(claims.validFromMs < claims.validUntilMs, "validFromMs must be before validUntilMs");
  check(claims.validUntilMs - claims.validFromMs <= LIMITS.voucherValidityMsMax, "validity window too long");
  check(isDisplayText(claims.passengerName), "passengerName must be printable text");
  check(claims.seat === undefined || SEAT_PATTERN.test(claims.seat), "seat like 32A");
  check(claims.devicePublicKey === undefined || isDevicePublicKey(claims.devicePublicKey), "devicePublicKey: a compressed P-256 key");
}

/** Body bytes (everything the signature covers). */
export function encodeVoucherBody(claims: VoucherClaims, issuerKeyId: string): Uint8Array {
  validateClaims(claims);
  const keyId = fromHex(issuerKeyId);
  check(keyId !== undefined && keyId.length === KEY_ID_BYTES, "issuerKeyId is 16 hex characters");
  const writer = new ByteWriter()
    .u8(VOUCHER_FORMAT_VERSION)
    .u8(VOUCHER_ALGORITHM_ED25519)
    .fixed(keyId, KEY_ID_BYTES)
    .fixed(uuidToBytes(claims.voucherId), UUID_BYTES)
    .fixed(uuidToBytes(claims.accountRef), UUID_BYTES);
  writeFlight(writer, claims.flight);
  writer
    .u32(claims.cap.amountMinor)
    .fixed(asciiBytes(claims.cap.currency), 3)
    .u32(claims.validFromMs / MS_PER_S)
    .u32(claims.validUntilMs / MS_PER_S)
    .str8(claims.passengerName, LIMITS.passengerNameBytesMax)
    .str8(claims.seat ?? "", LIMITS.seatCharsMax);
  const deviceKey = claims.devicePublicKey ?? new Uint8Array(0);
  writer.u8(deviceKey.length).fixed(deviceKey, deviceKey.length);
  return writer.finish();
}

/**
 * Structural decoding of voucher bytes; throws DecodeError. The version and algorithm bytes must
 * have been checked by the caller (they decide which layout applies).
 */
export function decodeVoucherBytes(bytes: Uint8Array): Voucher {
  const reader = new ByteReader(bytes);
  const version = reader.u8("version");
  const algorithm = reader.u8("algorithm");
  if (!VOUCHER_READABLE_VERSIONS.includes(version) || algorithm !== VOUCHER_ALGORITHM_ED25519) {
    throw new DecodeError("voucher: version or algorithm");
  }
  const issuerKeyId = toHex(reader.fixed(KEY_ID_BYTES, "issuer key id"));
  const voucherId = reader.uuid("voucher id");
  const accountRef = reader.uuid("account ref");
  const flight = readFlight(reader);
  const capMinor = reader.u32("cap");
  const currency = String.fromCharCode(...reader.fixed(3, "currency"));
  const validFromMs = reader.u32("valid from") * MS_PER_S;
  const validUntilMs = reader.u32("valid until") * MS_PER_S;
  const passengerName = reader.str8("passenger name", 1, LIMITS.passengerNameBytesMax);
  const seat = reader.str8("seat", 0, LIMITS.seatCharsMax);
  const devicePublicKey = version >= 2 ? readDeviceKey(reader) : undefined;
  const signedLength = reader.position;
  const signature = reader.fixed(ED25519_SIGNATURE_BYTES, "signature");
  reader.end("voucher");
  if (!isCurrencyCode(currency)) throw new DecodeError("voucher: currency");
  if (capMinor === 0) throw new DecodeError("voucher: zero cap");
  if (validFromMs >= validUntilMs) throw new DecodeError("voucher: empty validity window");
  if (!isDisplayText(passengerName)) throw new DecodeError("voucher: passenger name");
  if (seat !== "" && !SEAT_PATTERN.test(seat)) throw new DecodeError("voucher: seat");
  return {
    formatVersion: version,
    issuerKeyId,
    voucherId,
    accountRef,
    flight,
    cap: money(capMinor, currency),
    validFromMs,
    validUntilMs,
    passengerName,
    ...(seat === "" ? {} : { seat }),
    ...(devicePublicKey === undefined ? {} : { devicePublicKey }),
    signature: signature.slice(),
    signedBytes: bytes.slice(0, signedLength),
  };
}

/** v2's device key: none (length 0), or a compressed P-256 point (33 bytes, on the curve). */
function readDeviceKey(reader: ByteReader): Uint8Array | undefined {
  const length = reader.u8("device key length");
  if (length === 0) return undefined;
  if (length !== P256_PUBLIC_KEY_BYTES) throw new DecodeError("voucher: device key length");
  const key = reader.fixed(length, "device key").slice();
  if (!isDevicePublicKey(key)) throw new DecodeError("voucher: device key is not a P-256 point");
  return key;
}

/** Text that prints: no control characters, not blank, no leading or trailing spaces. */
function isDisplayText(text: string): boolean {
  return text.length > 0 && text.trim() === text && !/\p{Cc}|\p{Cf}|\p{Cs}/u.test(text);
}
