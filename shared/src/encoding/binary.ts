/**
 * Bounded big-endian binary writer and reader shared by every codec of the protocol.
 *
 * The reader never allocates more than the input holds and every length it reads is checked
 * against both a field limit and the bytes left, so decoding work is linear in the input for any
 * input. It throws {@link DecodeError}; the public verify functions turn that into `malformed`.
 */
import { CabinPayError } from "../errors.js";
import { bytesToUuid, UUID_BYTES } from "../ids/uuid.js";
import { utf8Decode, utf8Encode } from "./bytes.js";

/** Structural decoding failure; `message` says which field (for logs, never shown as a code). */
export class DecodeError extends Error {
  override readonly name = "DecodeError";
}

const U32_MAX = 0xffff_ffff;

/**
 * Builds a codec's bytes. A check that passes builds no message (they are written only when it
 * fails), u64 needs no BigInt and ASCII text is copied in without an encoder: a sale encodes its
 * record and its receipt with this, and each allocation here was a sale's garbage.
 */
export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  /** `capacity`: the bytes expected, when the caller knows; the buffer grows past it when needed. */
  constructor(capacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.buffer.buffer);
  }

  u8(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xff)) invalid(`u8 out of range: ${value}`);
    this.reserve(1);
    this.buffer[this.length] = value;
    this.length += 1;
    return this;
  }

  u16(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffff)) invalid(`u16 out of range: ${value}`);
    this.reserve(2);
    this.view.setUint16(this.length, value);
    this.length += 2;
    return this;
  }

  u32(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value <= U32_MAX)) invalid(`u32 out of range: ${value}`);
    this.reserve(4);
    this.view.setUint32(this.length, value);
    this.length += 4;
    return this;
  }

  /** A non-negative safe integer as 8 bytes (money and millisecond times stay exact). */
  u64(value: number): this {
    if (!(Number.isSafeInteger(value) && value >= 0)) invalid(`u64 must be a non-negative safe integer: ${value}`);
    this.reserve(8);
    // Two 32-bit halves: exact for every safe integer, and no BigInt made per field.
    this.view.setUint32(this.length, Math.floor(value / 0x1_0000_0000));
    this.view.setUint32(this.length + 4, value >>> 0);
    this.length += 8;
    return this;
  }

  fixed(bytes: Uint8Array, size: number): this {
    if (bytes.length !== size) invalid(`expected ${size} bytes, got ${bytes.length}`);
    this.reserve(size);
    this.buffer.set(bytes, this.length);
    this.length += size;
    return this;
  }

  /** UTF-8 text with a one-byte length prefix, at most `maxBytes` (≤ 255) bytes. */
  str8(text: string, maxBytes: number): this {
    if (maxBytes > 0xff) invalid(`text over ${maxBytes} bytes: ${text.slice(0, 40)}`);
    // ASCII (ids, codes, most names) is its own UTF-8: copied straight in.
    if (text.length <= maxBytes && isAscii(text)) {
      this.u8(text.length);
      this.reserve(text.length);
      for (let i = 0; i < text.length; i++) this.buffer[this.length + i] = text.charCodeAt(i);
      this.length += text.length;
      return this;
    }
    const bytes = utf8Encode(text);
    if (bytes.length > maxBytes) invalid(`text over ${maxBytes} bytes: ${text.slice(0, 40)}`);
    this.u8(bytes.length);
    return this.fixed(bytes, bytes.length);
  }

  /** Bytes with a two-byte length prefix, at most `maxBytes` (≤ 65535). */
  bytes16(bytes: Uint8Array, maxBytes: number): this {
    if (!(bytes.length <= maxBytes && maxBytes <= 0xffff)) invalid(`bytes over ${maxBytes}: ${bytes.length}`);
    this.u16(bytes.length);
    return this.fixed(bytes, bytes.length);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function invalid(message: string): never {
  throw new CabinPayError("invalid_argument", message);
}

/** The high 32 bits of Number.MAX_SAFE_INTEGER (2^53 − 1). */
const SAFE_HIGH_WORD_MAX = 0x1f_ffff;

export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(field: string): number {
    this.need(1, field);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  u16(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  u64(field: string): number {
    this.need(8, field);
    // Two 32-bit halves, no BigInt: a record has three of these, and each BigInt was garbage.
    const high = this.view.getUint32(this.offset);
    const low = this.view.getUint32(this.offset + 4);
    this.offset += 8;
    if (high > SAFE_HIGH_WORD_MAX) throw new DecodeError(`${field}: above the safe integer range`);
    return high * 0x1_0000_0000 + low;
  }

  /** A view into the input (no copy); callers that keep it beyond the input's life must copy. */
  fixed(size: number, field: string): Uint8Array {
    this.need(size, field);
    const out = this.bytes.subarray(this.offset, this.offset + size);
    this.offset += size;
    return out;
  }

  /** A 16-byte UUID as text, read in place. */
  uuid(field: string): string {
    this.need(UUID_BYTES, field);
    const text = bytesToUuid(this.bytes, this.offset);
    this.offset += UUID_BYTES;
    return text;
  }

  str8(field: string, minBytes: number, maxBytes: number): string {
    const length = this.length8(field, minBytes, maxBytes);
    try {
      return utf8Decode(this.fixed(length, field));
    } catch {
      throw new DecodeError(`${field}: invalid UTF-8`);
    }
  }

  /** Past a field whose content is not needed (a record's link is read past its texts), its bounds still checked. */
  skip(size: number, field: string): void {
    this.need(size, field);
    this.offset += size;
  }

  /** Past a `str8` without decoding it: its length is checked as `str8` checks it, its UTF-8 is not. */
  skipStr8(field: string, minBytes: number, maxBytes: number): void {
    this.skip(this.length8(field, minBytes, maxBytes), field);
  }

  bytes16(field: string, minBytes: number, maxBytes: number): Uint8Array {
    const length = this.u16(field);
    if (length < minBytes || length > maxBytes) throw new DecodeError(`${field}: length ${length} outside ${minBytes}..${maxBytes}`);
    return this.fixed(length, field);
  }

  /** Trailing bytes would let two different byte strings carry one signature's meaning. */
  end(what: string): void {
    if (this.offset !== this.bytes.length) throw new DecodeError(`${what}: ${this.remaining} trailing bytes`);
  }

  private length8(field: string, minBytes: number, maxBytes: number): number {
    const length = this.u8(field);
    if (length < minBytes || length > maxBytes) throw new DecodeError(`${field}: length ${length} outside ${minBytes}..${maxBytes}`);
    return length;
  }

  private need(size: number, field: string): void {
    if (this.offset + size > this.bytes.length) throw new DecodeError(`${field}: truncated`);
  }
}
