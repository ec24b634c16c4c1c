/**
 * Sale records: one per sale, void or refund, chained per terminal and flight.
 *
 * v1 layout (big-endian; docs/protocol.md has the table):
 *   u8 version=1 · u8 kind (1 sale, 2 void, 3 refund) · 16 record id · 16 terminal id ·
 *   flight · u32 sequence · 32 previous record hash · u64 created-at ms · str8 crew id ·
 *   str8 trolley id · 16 voucher id · 16 referenced record id (zeros for a sale) · 3 currency ·
 *   u64 total minor · u8 line count · lines (str8 sku, u16 quantity, u64 unit price minor) ·
 *   bytes16 voucher evidence (the binary voucher, sales only) · 64 signature
 * v2 adds, after the voucher evidence, u8 reversal reason (a void's or refund's, 1..; 0 otherwise)
 * and the code presentation: u8 length (0, or 74 for a sale paid with a rotating code) · u32 slot
 * start (s) · u16 period · u32 counter · 64 device signature (the phone's, over the code).
 *
 * hash = SHA-256(all bytes before the signature); signature = Ed25519(device key, "CPR1" ‖ hash).
 */

import { SIGNATURE_DOMAIN } from "../crypto/domain.js";
import { ED25519_SIGNATURE_BYTES, type Signer, type Verifier } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import { ByteReader, ByteWriter, DecodeError } from "../encoding/binary.js";
import { asciiBytes, bytesEqual, concatBytes } from "../encoding/bytes.js";
import { CabinPayError, check, checkLimit } from "../errors.js";
import { type FlightRef, readFlight, writeFlight } from "../flight.js";
import { isCrewId, isSku, isTrolleyId } from "../identifiers.js";
import { isUuid, NIL_UUID, UUID_BYTES, uuidToBytes } from "../ids/uuid.js";
import { LIMITS } from "../limits.js";
import { type CurrencyCode, isCurrencyCode } from "../money/currencies.js";
import { addMoney, money, multiplyMoney, zero } from "../money/money.js";
import type { Voucher } from "../voucher/layout.js";
import { CODE_PRESENTATION_BYTES, type CodePresentation } from "../voucher/rotating-code.js";
import { decodeVoucherBinary } from "../voucher/verify.js";
import { isReversalReason, type ReversalReason, reversalReasonCode, reversalReasonOf } from "./reason.js";

/** v2 added the reversal reason. Writers always use this version. */
export const RECORD_FORMAT_VERSION = 2;
/**
 * Every version this code reads: a terminal updated with v1 records unsent still uploads them,
 * and the ground still verifies them (they carry no reason).
 */
export const RECORD_READABLE_VERSIONS: readonly number[] = [1, 2];
export const RECORD_HASH_BYTES = 32;
/** The previous hash of sequence 1: nothing came before. */
export const GENESIS_HASH = new Uint8Array(RECORD_HASH_BYTES);

/** `close`: the service ended on this terminal; nothing may follow it in the chain. */
export const RECORD_KINDS = ["sale", "void", "refund", "close"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface SaleLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
}

/** What the terminal decides; the codec derives the total, hash and signature. */
export interface RecordDraft {
  readonly recordId: string;
  readonly kind: RecordKind;
  readonly terminalId: string;
  readonly flight: FlightRef;
  /** 1 for the first record of this terminal on this flight, then +1 each. */
  readonly sequence: number;
  readonly previousHash: Uint8Array;
  readonly createdAtMs: number;
  readonly crewId: string;
  readonly trolleyId: string;
  readonly voucherId: string;
  /** For a void or refund: the sale it reverses. Absent for a sale. */
  readonly referencedRecordId?: string;
  readonly currency: CurrencyCode;
  readonly lines: readonly SaleLine[];
  /** For a sale: the binary voucher presented, as evidence for the ground. Absent otherwise. */
  readonly voucherBytes?: Uint8Array;
  /** For a void or refund: why, from the list. Required when writing; absent in a v1 record. */
  readonly reason?: ReversalReason;
  /**
   * For a sale paid with a rotating code: the code's slot, counter and the phone's signature
   * (the voucher is `voucherBytes`). Required exactly when the voucher is bound to a device key.
   */
  readonly presentation?: CodePresentation;
}

export interface SaleRecord extends RecordDraft {
  /** The version it was encoded in: this code writes RECORD_FORMAT_VERSION and reads every readable one. */
  readonly formatVersion: number;
  readonly totalMinor: number;
  readonly hash: Uint8Array;
  readonly signature: Uint8Array;
  /** The complete encoded record (body ‖ signature). */
  readonly bytes: Uint8Array;
}

/** What a caller that has them can give `createRecord`, so that nothing is worked out twice. */
export interface RecordMaking {
  /** The sale's voucher as the caller decoded it from `voucherBytes` (checked to be those bytes, not decoded again). */
  readonly voucher?: Voucher;
  /** SHA-256, native where there is one (`nodeSha256`); the portable one otherwise. */
  readonly sha256?: (bytes: Uint8Array) => Uint8Array;
}

/** Encodes, hashes and signs a record. Throws `invalid_argument` for a draft that breaks a rule. */
export function createRecord(draft: RecordDraft, signer: Signer, making: RecordMaking = {}): SaleRecord {
  const given = making.voucher;
  const voucherOf = (bytes: Uint8Array) =>
    given !== undefined && bytesEqual(concatBytes(given.signedBytes, given.signature), bytes) ? given : decodeVoucherOnce(bytes);
  validateDraft(draft, RECORD_FORMAT_VERSION, voucherOf);
  const totalMinor = linesTotalMinor(draft.currency, draft.lines);
  const body = encodeBody(draft, totalMinor);
  const hash = (making.sha256 ?? sha256)(body);
  const signature = signer.sign(recordSignedMessage(hash));
  const bytes = concatBytes(body, signature);
  if (bytes.length > LIMITS.recordBytesMax) checkLimit(false, `record is ${bytes.length} bytes, over ${LIMITS.recordBytesMax}`);
  return { ...draft, formatVersion: RECORD_FORMAT_VERSION, totalMinor, hash, signature, bytes };
}

export type RecordDecodeResult =
  | { readonly ok: true; readonly record: SaleRecord }
  | { readonly ok: false; readonly reason: "malformed" | "unsupported_version"; readonly detail: string };

/** What a reader of many records can give `decodeRecord`, so that nothing is worked out twice. */
export interface RecordReading {
  /** SHA-256, native where there is one (`nodeSha256`); the portable one otherwise. */
  readonly sha256?: (bytes: Uint8Array) => Uint8Array;
  /** Decodes a sale's voucher evidence: {@link voucherMemo} decodes each distinct one once. */
  readonly decodeVoucher?: (bytes: Uint8Array) => Voucher | undefined;
}

const VOUCHER_MEMO_BUCKET_MAX = 4;

/**
 * A voucher decoder that decodes each distinct voucher once: a batch's sales carry the same few
 * vouchers again and again. Equal bytes give the same `Voucher` object. Found by the last four
 * bytes (of the issuer's signature) and then compared whole, so no string is built per sale; a
 * bucket holds a few at most, so crafted look-alikes cost a few comparisons, then a plain decode.
 * Meant to live as long as one batch; bounded all the same.
 */
export function voucherMemo(sizeMax: number = LIMITS.batchRecordsMax): (bytes: Uint8Array) => Voucher | undefined {
  const buckets = new Map<number, { bytes: Uint8Array; voucher: Voucher | undefined }[]>();
  let size = 0;
  return (bytes) => {
    const n = bytes.length;
    const tag = n < 4 ? n : (bytes[n - 1]! | (bytes[n - 2]! << 8) | (bytes[n - 3]! << 16)) + bytes[n - 4]! * 0x1000000;
    const bucket = buckets.get(tag);
    const held = bucket?.find((entry) => bytesEqual(entry.bytes, bytes));
    if (held !== undefined) return held.voucher;
    const voucher = decodeVoucherOnce(bytes);
    if (size < sizeMax && (bucket?.length ?? 0) < VOUCHER_MEMO_BUCKET_MAX) {
      size += 1;
      const entry = { bytes: bytes.slice(), voucher };
      if (bucket === undefined) buckets.set(tag, [entry]);
      else bucket.push(entry);
    }
    return voucher;
  };
}

/** Structure only; never throws. The signature is checked by {@link isRecordSignatureValid}. */
export function decodeRecord(bytes: Uint8Array, reading: RecordReading = {}): RecordDecodeResult {
  if (bytes.length > LIMITS.recordBytesMax) return { ok: false, reason: "malformed", detail: "record too large" };
  if (bytes.length > 0 && !RECORD_READABLE_VERSIONS.includes(bytes[0]!)) {
    return { ok: false, reason: "unsupported_version", detail: `record format ${bytes[0]}` };
  }
  try {
    return { ok: true, record: decodeRecordBytes(bytes, reading) };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, reason: "malformed", detail: error.message };
    throw error;
  }
}

/** Where a record sits in its chain, read without decoding the rest: what a chain check needs. */
export interface RecordLink {
  readonly sequence: number;
  readonly previousHash: Uint8Array;
  /** The bytes the record's hash is over: all but the signature. */
  readonly body: Uint8Array;
}

/**
 * A record's sequence, previous hash and hashed body from its first fields alone (the layout above):
 * the terminal checks 50,000 stored links at start in the time decoding a few thousand records
 * takes. Undefined when the bytes are not a record's. Any change to the rest changes the hash.
 */
export function recordLinkOf(bytes: Uint8Array): RecordLink | undefined {
  if (bytes.length > LIMITS.recordBytesMax || !RECORD_READABLE_VERSIONS.includes(bytes[0] ?? 0)) return undefined;
  try {
    const reader = new ByteReader(bytes);
    // Skipped, not decoded: the body's hash covers them (a start with 50,000 records decoded 100,000 texts).
    reader.skip(2 + 2 * UUID_BYTES, "version, kind and ids");
    reader.skipStr8("flight carrier", 2, 3);
    reader.skipStr8("flight number", 1, 5);
    reader.u16("flight date");
    const sequence = reader.u32("sequence");
    const previousHash = reader.fixed(RECORD_HASH_BYTES, "previous hash");
    if (bytes.length < reader.position + ED25519_SIGNATURE_BYTES) return undefined;
    return { sequence, previousHash, body: bytes.subarray(0, bytes.length - ED25519_SIGNATURE_BYTES) };
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

export function isRecordSignatureValid(record: Pick<SaleRecord, "signature" | "hash">, publicKey: Uint8Array, verifier: Verifier): boolean {
  return verifier.verify(record.signature, recordSignedMessage(record.hash), publicKey);
}

/** Σ quantity × unit price, checked: overflow is an error, never a wrapped number. */
export function linesTotalMinor(currency: CurrencyCode, lines: readonly SaleLine[]): number {
  let total = zero(currency);
  for (const line of lines) total = addMoney(total, multiplyMoney(money(line.unitPriceMinor, currency), line.quantity));
  return total.amountMinor;
}

function recordSignedMessage(hash: Uint8Array): Uint8Array {
  return concatBytes(SIGNATURE_DOMAIN.record, hash);
}

function validateDraft(draft: RecordDraft, formatVersion: number, voucherOf: (bytes: Uint8Array) => Voucher | undefined): void {
  check(isUuid(draft.recordId) && isUuid(draft.terminalId) && isUuid(draft.voucherId), "ids must be UUIDs");
  check(RECORD_KINDS.includes(draft.kind), `unknown kind ${draft.kind}`);
  check(Number.isInteger(draft.sequence) && draft.sequence >= 1 && draft.sequence <= 0xffff_ffff, "sequence from 1");
  check(draft.previousHash.length === RECORD_HASH_BYTES, "previousHash is 32 bytes");
  check(draft.sequence !== 1 || bytesEqual(draft.previousHash, GENESIS_HASH), "sequence 1 links to the genesis hash");
  check(Number.isSafeInteger(draft.createdAtMs) && draft.createdAtMs >= 0, "createdAtMs");
  check(isCrewId(draft.crewId), "crewId");
  check(isTrolleyId(draft.trolleyId), "trolleyId");
  checkLimit(draft.lines.length <= LIMITS.recordLinesMax, `at most ${LIMITS.recordLinesMax} lines`);
  for (const line of draft.lines) validateLine(line);
  if (draft.kind === "close") {
    check(draft.lines.length === 0, "a close record has no lines");
    check(draft.voucherId === NIL_UUID, "a close record names no voucher (nil id)");
    check(draft.referencedRecordId === undefined && draft.voucherBytes === undefined, "a close record references nothing");
    check(draft.reason === undefined && draft.presentation === undefined, "a close record has no reason and no code");
    return;
  }
  check(draft.lines.length >= 1, "a record has at least one line");
  if (draft.kind === "sale") {
    check(draft.referencedRecordId === undefined, "a sale references no record");
    check(draft.voucherBytes !== undefined, "a sale carries the voucher presented");
    const voucher = voucherOf(draft.voucherBytes);
    check(voucher !== undefined && voucher.voucherId === draft.voucherId, "voucherBytes must be the voucher of voucherId");
    check(draft.reason === undefined, "a sale has no reason");
    // A phone-bound voucher is only ever taken as a code: its sale carries the phone's signature.
    const deviceBound = voucher?.devicePublicKey !== undefined;
    check(deviceBound === (draft.presentation !== undefined), "a sale carries the code exactly when its voucher is bound to a phone");
    if (draft.presentation !== undefined) validatePresentation(draft.presentation);
  } else {
    check(isUuid(draft.referencedRecordId), `a ${draft.kind} references the sale it reverses`);
    check(draft.referencedRecordId !== NIL_UUID, "referencedRecordId must not be nil");
    check(draft.voucherBytes === undefined && draft.presentation === undefined, `a ${draft.kind} carries no voucher and no code`);
    // v1 had no reasons; from v2 every reversal says why.
    if (formatVersion >= 2) check(isReversalReason(draft.reason), `a ${draft.kind} says why (reason from the list)`);
    else check(draft.reason === undefined, "a v1 record has no reason");
  }
}

function decodeVoucherOnce(bytes: Uint8Array): Voucher | undefined {
  const voucher = decodeVoucherBinary(bytes);
  return voucher.ok ? voucher.voucher : undefined;
}

function validatePresentation(presentation: CodePresentation): void {
  const { slotStartMs, periodS, counter, signature } = presentation;
  check(Number.isInteger(slotStartMs / 1000) && slotStartMs >= 0 && slotStartMs / 1000 <= 0xffff_ffff, "presentation slot");
  check(Number.isInteger(periodS) && periodS >= LIMITS.codePeriodSMin && periodS <= LIMITS.codePeriodSMax, "presentation period");
  check(slotStartMs % (periodS * 1000) === 0, "the slot starts on the period");
  check(Number.isInteger(counter) && counter >= 0 && counter <= 0xffff_ffff, "presentation counter");
  check(signature.length === CODE_PRESENTATION_BYTES - 10, "presentation signature is 64 bytes");
}

function validateLine(line: SaleLine): void {
  check(isSku(line.sku), `sku ${line.sku}`);
  check(Number.isInteger(line.quantity) && line.quantity >= 1 && line.quantity <= LIMITS.lineQuantityMax, "quantity");
  check(Number.isSafeInteger(line.unitPriceMinor) && line.unitPriceMinor >= 0, "unitPriceMinor");
}

/** Bytes of a record's body besides its lines and voucher, with room to spare: one buffer, never regrown. */
const BODY_FIXED_BYTES_MAX = 256;

function encodeBody(draft: RecordDraft, totalMinor: number): Uint8Array {
  const lineBytesMax = 1 + LIMITS.skuBytesMax + 2 + 8;
  const writer = new ByteWriter(BODY_FIXED_BYTES_MAX + draft.lines.length * lineBytesMax + (draft.voucherBytes?.length ?? 0))
    .u8(RECORD_FORMAT_VERSION)
    .u8(RECORD_KINDS.indexOf(draft.kind) + 1)
    .fixed(uuidToBytes(draft.recordId), UUID_BYTES)
    .fixed(uuidToBytes(draft.terminalId), UUID_BYTES);
  writeFlight(writer, draft.flight);
  writer
    .u32(draft.sequence)
    .fixed(draft.previousHash, RECORD_HASH_BYTES)
    .u64(draft.createdAtMs)
    .str8(draft.crewId, LIMITS.crewIdBytesMax)
    .str8(draft.trolleyId, LIMITS.trolleyIdBytesMax)
    .fixed(uuidToBytes(draft.voucherId), UUID_BYTES)
    .fixed(uuidToBytes(draft.referencedRecordId ?? NIL_UUID), UUID_BYTES)
    .fixed(asciiBytes(draft.currency), 3)
    .u64(totalMinor)
    .u8(draft.lines.length);
  for (const line of draft.lines) writer.str8(line.sku, LIMITS.skuBytesMax).u16(line.quantity).u64(line.unitPriceMinor);
  writer.bytes16(draft.voucherBytes ?? new Uint8Array(0), LIMITS.recordBytesMax);
  writer.u8(reversalReasonCode(draft.reason));
  const shown = draft.presentation;
  if (shown === undefined) writer.u8(0);
  else
    writer
      .u8(CODE_PRESENTATION_BYTES)
      .u32(shown.slotStartMs / 1000)
      .u16(shown.periodS)
      .u32(shown.counter)
      .fixed(shown.signature, CODE_PRESENTATION_BYTES - 10);
  return writer.finish();
}

function readPresentation(reader: ByteReader): CodePresentation | undefined {
  const length = reader.u8("presentation length");
  if (length === 0) return undefined;
  if (length !== CODE_PRESENTATION_BYTES) throw new DecodeError("record: presentation length");
  const slotStartMs = reader.u32("slot start") * 1000;
  const periodS = reader.u16("period");
  const counter = reader.u32("counter");
  const signature = reader.fixed(CODE_PRESENTATION_BYTES - 10, "device signature").slice();
  return { slotStartMs, periodS, counter, signature };
}

function decodeRecordBytes(encoded: Uint8Array, reading: RecordReading): SaleRecord {
  // One copy of the record, which its byte fields view: the caller's buffer may be reused.
  const bytes = encoded.slice();
  const reader = new ByteReader(bytes);
  const formatVersion = reader.u8("version");
  const kind = RECORD_KINDS[reader.u8("kind") - 1];
  if (kind === undefined) throw new DecodeError("record: kind");
  const recordId = reader.uuid("record id");
  const terminalId = reader.uuid("terminal id");
  const flight = readFlight(reader);
  const sequence = reader.u32("sequence");
  const previousHash = reader.fixed(RECORD_HASH_BYTES, "previous hash");
  const createdAtMs = reader.u64("created at");
  const crewId = reader.str8("crew id", 1, LIMITS.crewIdBytesMax);
  const trolleyId = reader.str8("trolley id", 1, LIMITS.trolleyIdBytesMax);
  const voucherId = reader.uuid("voucher id");
  const referencedRecordId = reader.uuid("referenced record id");
  const letters = reader.fixed(3, "currency");
  const currency = String.fromCharCode(letters[0]!, letters[1]!, letters[2]!);
  const totalMinor = reader.u64("total");
  const lines = readLines(reader);
  const voucherBytes = reader.bytes16("voucher", 0, LIMITS.recordBytesMax);
  const reason = formatVersion >= 2 ? reversalReasonOf(reader.u8("reason")) : undefined;
  if (reason === null) throw new DecodeError("record: unknown reason");
  const presentation = formatVersion >= 2 ? readPresentation(reader) : undefined;
  const body = bytes.subarray(0, reader.position);
  const signature = reader.fixed(ED25519_SIGNATURE_BYTES, "signature");
  reader.end("record");

  if (!isCurrencyCode(currency)) throw new DecodeError("record: currency");
  const hash = (reading.sha256 ?? sha256)(body);
  const record: { -readonly [K in keyof SaleRecord]: SaleRecord[K] } = {
    recordId,
    kind,
    terminalId,
    flight,
    sequence,
    previousHash,
    createdAtMs,
    crewId,
    trolleyId,
    voucherId,
    currency,
    lines,
    formatVersion,
    totalMinor,
    hash,
    signature,
    bytes,
  };
  if (kind === "void" || kind === "refund") record.referencedRecordId = referencedRecordId;
  if (kind === "sale") record.voucherBytes = voucherBytes;
  if (reason !== undefined) record.reason = reason;
  if (presentation !== undefined) record.presentation = presentation;
  // The same rules the writer enforces; anything else was not written by a conforming terminal.
  try {
    if ((kind === "sale" || kind === "close") && referencedRecordId !== NIL_UUID)
      throw new DecodeError(`record: a ${kind} references no record`);
    if (kind !== "sale" && voucherBytes.length !== 0) throw new DecodeError("record: only sales carry a voucher");
    validateDraft(record, formatVersion, reading.decodeVoucher ?? decodeVoucherOnce);
    if (linesTotalMinor(currency, lines) !== totalMinor) throw new DecodeError("record: total is not the sum of its lines");
  } catch (error) {
    if (error instanceof CabinPayError) throw new DecodeError(`record: ${error.message}`);
    throw error;
  }
  return record;
}

function readLines(reader: ByteReader): SaleLine[] {
  const lineCount = reader.u8("line count");
  if (lineCount > LIMITS.recordLinesMax) throw new DecodeError("record: line count");
  const lines: SaleLine[] = [];
  for (let i = 0; i < lineCount; i++) {
    lines.push({
      sku: reader.str8("sku", 1, LIMITS.skuBytesMax),
      quantity: reader.u16("quantity"),
      unitPriceMinor: reader.u64("unit price"),
    });
  }
  return lines;
}
