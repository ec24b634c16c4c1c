/**
 * Signed receipts: after each approval (and each void or refund) the terminal shows the passenger
 * a QR code of what it just recorded, signed by its device key and carrying the ground's
 * certificate of that key. The phone verifies it offline (`verifyReceipt`), keeps it, and shows
 * what the voucher has left. After landing the phone compares its receipts with the statement: a
 * receipted sale the ground never received is evidence that a terminal lost records.
 *
 * Layout (big-endian; docs/protocol.md has the table):
 *   u8 version=1 · u8 kind (1 sale, 2 void, 3 refund) · 16 record id · 16 voucher id · flight ·
 *   u64 created at (ms) · 3 currency · u8 line count (1..50) · lines (str8 sku, u16 quantity,
 *   u64 unit price) · u64 total · u64 cap left · 3 cap currency · u32 chain sequence ·
 *   32 record hash · bytes16 device certificate ·
 *   64 signature (Ed25519 by the certified device key over "CPT1" ‖ all bytes before it)
 * Text: "CPT1:" + base45(bytes).
 */
import { SIGNATURE_DOMAIN } from "../crypto/domain.js";
import { ED25519_SIGNATURE_BYTES, type Signer, type Verifier } from "../crypto/ed25519.js";
import { base45Decode, base45Encode } from "../encoding/base45.js";
import { ByteReader, ByteWriter, DecodeError } from "../encoding/binary.js";
import { asciiBytes, bytesEqual, concatBytes } from "../encoding/bytes.js";
import { CabinPayError, check } from "../errors.js";
import { type FlightRef, readFlight, writeFlight } from "../flight.js";
import { isSku } from "../identifiers.js";
import { bytesToUuid, isUuid, UUID_BYTES, uuidToBytes } from "../ids/uuid.js";
import { LIMITS } from "../limits.js";
import { type CurrencyCode, isCurrencyCode } from "../money/currencies.js";
import { linesTotalMinor, RECORD_HASH_BYTES, type SaleLine, type SaleRecord } from "../record/record.js";
import { certificateHolds, type DeviceCertificate, decodeCertificate } from "./certificate.js";

export const RECEIPT_FORMAT_VERSION = 1;
export const RECEIPT_TEXT_PREFIX = "CPT1:";
export const RECEIPT_KINDS = ["sale", "void", "refund"] as const;
export type ReceiptKind = (typeof RECEIPT_KINDS)[number];
/** A receipt of 50 long lines is about 2.5 KB: the QR code's largest version holds 4,296 characters. */
export const RECEIPT_TEXT_CHARS_MAX = 4_200;
const CERTIFICATE_BYTES_MAX = 256;

export interface ReceiptContent {
  readonly kind: ReceiptKind;
  readonly recordId: string;
  readonly voucherId: string;
  readonly flight: FlightRef;
  readonly createdAtMs: number;
  readonly currency: CurrencyCode;
  readonly lines: readonly SaleLine[];
  /** What the voucher may still spend on this terminal after this record, in its own currency. */
  readonly capLeftMinor: number;
  readonly capCurrency: CurrencyCode;
  /** Where the record sits in the terminal's chain: what the ground can match it against. */
  readonly sequence: number;
  readonly recordHash: Uint8Array;
}

export interface Receipt extends ReceiptContent {
  readonly totalMinor: number;
  readonly certificate: DeviceCertificate;
}

export const RECEIPT_REJECTIONS = [
  "malformed",
  "unsupported_version",
  "unknown_ground_key",
  "bad_certificate",
  "certificate_expired",
  "bad_signature",
] as const;
export type ReceiptRejection = (typeof RECEIPT_REJECTIONS)[number];

export type ReceiptResult =
  | { readonly ok: true; readonly receipt: Receipt }
  | { readonly ok: false; readonly reason: ReceiptRejection; readonly detail: string };

/** What a record's receipt says: the record as signed, with what its voucher may still spend after it. */
export function receiptContentOf(record: SaleRecord, cap: { readonly leftMinor: number; readonly currency: CurrencyCode }): ReceiptContent {
  check(record.kind !== "close", "a close record has no receipt");
  return {
    kind: record.kind,
    recordId: record.recordId,
    voucherId: record.voucherId,
    flight: record.flight,
    createdAtMs: record.createdAtMs,
    currency: record.currency,
    lines: record.lines,
    capLeftMinor: cap.leftMinor,
    capCurrency: cap.currency,
    sequence: record.sequence,
    recordHash: record.hash,
  };
}

/** The terminal signs what it recorded; `certificate` is the ground's for this terminal's key. */
export function makeReceipt(content: ReceiptContent, certificate: Uint8Array, device: Signer): string {
  validate(content);
  const decoded = decodeCertificate(certificate);
  check(bytesEqual(decoded.devicePublicKey, device.publicKey), "the certificate is for another device key");
  const writer = new ByteWriter()
    .u8(RECEIPT_FORMAT_VERSION)
    .u8(RECEIPT_KINDS.indexOf(content.kind) + 1)
    .fixed(uuidToBytes(content.recordId), UUID_BYTES)
    .fixed(uuidToBytes(content.voucherId), UUID_BYTES);
  writeFlight(writer, content.flight);
  writer.u64(content.createdAtMs).fixed(asciiBytes(content.currency), 3).u8(content.lines.length);
  for (const line of content.lines) writer.str8(line.sku, LIMITS.skuBytesMax).u16(line.quantity).u64(line.unitPriceMinor);
  writer
    .u64(linesTotalMinor(content.currency, content.lines))
    .u64(content.capLeftMinor)
    .fixed(asciiBytes(content.capCurrency), 3)
    .u32(content.sequence)
    .fixed(content.recordHash, RECORD_HASH_BYTES)
    .bytes16(certificate, CERTIFICATE_BYTES_MAX);
  const body = writer.finish();
  const signature = device.sign(concatBytes(SIGNATURE_DOMAIN.receipt, body));
  return RECEIPT_TEXT_PREFIX + base45Encode(concatBytes(body, signature));
}

/**
 * Verifies a scanned receipt offline, against the ground keys the phone fetched before the flight.
 * Never throws; bounded by the text's length before anything is decoded.
 */
export function verifyReceipt(text: string, context: { groundKeys: ReadonlyMap<string, Uint8Array>; verifier: Verifier }): ReceiptResult {
  if (typeof text !== "string" || text.length > RECEIPT_TEXT_CHARS_MAX) return reject("malformed", "not a receipt (length)");
  const trimmed = text.trim();
  if (!trimmed.startsWith(RECEIPT_TEXT_PREFIX)) return reject("malformed", "not a CabinPay receipt");
  const bytes = base45Decode(trimmed.slice(RECEIPT_TEXT_PREFIX.length));
  if (bytes === undefined) return reject("malformed", "not valid base45");
  if (bytes.length > 0 && bytes[0] !== RECEIPT_FORMAT_VERSION) return reject("unsupported_version", `receipt format ${bytes[0]}`);
  let decoded: { receipt: Receipt; body: Uint8Array; signature: Uint8Array };
  try {
    decoded = decodeReceipt(bytes);
  } catch (error) {
    if (error instanceof DecodeError) return reject("malformed", error.message);
    throw error;
  }
  const { receipt, body, signature } = decoded;
  const certified = certificateHolds(receipt.certificate, context.groundKeys, receipt.createdAtMs, context.verifier);
  if (certified !== "ok") return reject(certified, `the terminal's certificate: ${certified}`);
  if (!context.verifier.verify(signature, concatBytes(SIGNATURE_DOMAIN.receipt, body), receipt.certificate.devicePublicKey))
    return reject("bad_signature", "not signed by the certified terminal: forged or altered");
  return { ok: true, receipt };
}

function decodeReceipt(bytes: Uint8Array): { receipt: Receipt; body: Uint8Array; signature: Uint8Array } {
  const r = new ByteReader(bytes);
  r.u8("version");
  const kind = RECEIPT_KINDS[r.u8("kind") - 1];
  if (kind === undefined) throw new DecodeError("receipt: kind");
  const recordId = bytesToUuid(r.fixed(UUID_BYTES, "record id"));
  const voucherId = bytesToUuid(r.fixed(UUID_BYTES, "voucher id"));
  const flight = readFlight(r);
  const createdAtMs = r.u64("created at");
  const currency = String.fromCharCode(...r.fixed(3, "currency"));
  const lineCount = r.u8("line count");
  if (lineCount < 1 || lineCount > LIMITS.recordLinesMax) throw new DecodeError("receipt: line count");
  const lines = Array.from({ length: lineCount }, () => ({
    sku: r.str8("sku", 1, LIMITS.skuBytesMax),
    quantity: r.u16("quantity"),
    unitPriceMinor: r.u64("unit price"),
  }));
  const totalMinor = r.u64("total");
  const capLeftMinor = r.u64("cap left");
  const capCurrency = String.fromCharCode(...r.fixed(3, "cap currency"));
  const sequence = r.u32("sequence");
  const recordHash = r.fixed(RECORD_HASH_BYTES, "record hash").slice();
  const certificate = decodeCertificate(r.bytes16("certificate", 1, CERTIFICATE_BYTES_MAX).slice());
  const body = bytes.slice(0, r.position);
  const signature = r.fixed(ED25519_SIGNATURE_BYTES, "signature").slice();
  r.end("receipt");
  if (!isCurrencyCode(currency) || !isCurrencyCode(capCurrency)) throw new DecodeError("receipt: currency");
  const content: ReceiptContent = {
    kind,
    recordId,
    voucherId,
    flight,
    createdAtMs,
    currency,
    lines,
    capLeftMinor,
    capCurrency,
    sequence,
    recordHash,
  };
  try {
    validate(content);
    if (linesTotalMinor(currency, lines) !== totalMinor) throw new DecodeError("receipt: total is not the sum of its lines");
  } catch (error) {
    if (error instanceof CabinPayError) throw new DecodeError(`receipt: ${error.message}`);
    throw error;
  }
  return { receipt: { ...content, totalMinor, certificate }, body, signature };
}

function validate(content: ReceiptContent): void {
  check(RECEIPT_KINDS.includes(content.kind), "kind");
  check(isUuid(content.recordId) && isUuid(content.voucherId), "ids");
  check(Number.isSafeInteger(content.createdAtMs) && content.createdAtMs >= 0, "createdAtMs");
  check(content.lines.length >= 1 && content.lines.length <= LIMITS.recordLinesMax, "1 to 50 lines");
  for (const line of content.lines) {
    check(isSku(line.sku), "sku");
    check(Number.isInteger(line.quantity) && line.quantity >= 1 && line.quantity <= LIMITS.lineQuantityMax, "quantity");
    check(Number.isSafeInteger(line.unitPriceMinor) && line.unitPriceMinor >= 0, "unit price");
  }
  check(Number.isSafeInteger(content.capLeftMinor) && content.capLeftMinor >= 0, "capLeftMinor");
  check(Number.isInteger(content.sequence) && content.sequence >= 1 && content.sequence <= 0xffff_ffff, "sequence");
  check(content.recordHash.length === RECORD_HASH_BYTES, "record hash");
}

function reject(reason: ReceiptRejection, detail: string): { ok: false; reason: ReceiptRejection; detail: string } {
  return { ok: false, reason, detail };
}
