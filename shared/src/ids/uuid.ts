/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter, then 62 random bits. Ids made
 * by one generator sort in creation order even within a millisecond (the counter, RFC 9562 §6.2
 * method 1), which keeps SQLite and PostgreSQL b-tree inserts appending instead of splitting pages.
 * They are chosen by the client and saved before anything is sent, so they serve as idempotency keys.
 */
import { randomBytes as nobleRandomBytes } from "@noble/hashes/utils.js";
import { hexCodeOf, utf8Decode } from "../encoding/bytes.js";
import { CabinPayError } from "../errors.js";

export const UUID_BYTES = 16;
export const NIL_UUID = "00000000-0000-0000-0000-000000000000";
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP_MAX_MS = 2 ** 48 - 1;
const COUNTER_MAX = 0xfff;

export interface UuidV7Options {
  readonly nowMs?: () => number;
  readonly randomBytes?: (length: number) => Uint8Array;
}

const RANDOM_POOL_BYTES = 4_096;

/** Secure random bytes drawn 4 KB at a time (one call to the system per 256 ids), each byte used once. */
function pooledRandomBytes(): (length: number) => Uint8Array {
  let pool = new Uint8Array(0);
  let at = 0;
  return (length) => {
    if (at + length > pool.length) {
      pool = nobleRandomBytes(Math.max(RANDOM_POOL_BYTES, length));
      at = 0;
    }
    at += length;
    return pool.slice(at - length, at);
  };
}

export function createUuidV7Generator(options: UuidV7Options = {}): () => string {
  const nowMs = options.nowMs ?? Date.now;
  const random = options.randomBytes ?? pooledRandomBytes();
  let lastMs = -1;
  let counter = 0;
  return () => {
    const bytes = random(UUID_BYTES);
    let timestampMs = nowMs();
    if (!Number.isSafeInteger(timestampMs) || timestampMs < 0 || timestampMs > TIMESTAMP_MAX_MS) {
      throw new CabinPayError("invalid_argument", `clock gave ${timestampMs}`);
    }
    if (timestampMs > lastMs) {
      // Start the counter in its lower half so a burst in one millisecond has room to count up.
      counter = ((bytes[6]! & 0x07) << 8) | bytes[7]!;
      lastMs = timestampMs;
    } else {
      // Same millisecond, or the clock stepped back: stay on the last timestamp and count on,
      // borrowing the next millisecond when the counter is full. Order never goes backwards.
      counter += 1;
      if (counter > COUNTER_MAX) {
        lastMs += 1;
        counter = 0;
      }
      timestampMs = lastMs;
    }
    const high = Math.floor(timestampMs / 2 ** 16);
    bytes[0] = (high >>> 24) & 0xff;
    bytes[1] = (high >>> 16) & 0xff;
    bytes[2] = (high >>> 8) & 0xff;
    bytes[3] = high & 0xff;
    bytes[4] = (timestampMs >>> 8) & 0xff;
    bytes[5] = timestampMs & 0xff;
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    return bytesToUuid(bytes);
  };
}

/** A process-wide generator; sortable across everything this process creates. */
export const newId: () => string = createUuidV7Generator();

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID_PATTERN.test(value);
}

/** A lowercase hex digit's value (the pattern has checked it is one). */
function nibbleOf(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

export function uuidToBytes(uuid: string): Uint8Array {
  if (!isUuid(uuid)) throw new CabinPayError("invalid_argument", `not a lowercase UUID: ${JSON.stringify(uuid)}`);
  const out = new Uint8Array(UUID_BYTES);
  let at = 0;
  for (let i = 0; i < UUID_BYTES; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) at += 1; // the dash
    out[i] = (nibbleOf(uuid.charCodeAt(at)) << 4) | nibbleOf(uuid.charCodeAt(at + 1));
    at += 2;
  }
  return out;
}

const UUID_CHARS = 36;
const DASH_CODE = 0x2d;
// One scratch for every call: the function is synchronous and copies out into the string.
const uuidCodes = new Uint8Array(UUID_CHARS);

/** The UUID of `bytes` (16 of them), or of the 16 from `offset` when one is given. */
export function bytesToUuid(bytes: Uint8Array, offset?: number): string {
  const from = offset ?? 0;
  const fits =
    offset === undefined ? bytes.length === UUID_BYTES : Number.isInteger(from) && from >= 0 && from + UUID_BYTES <= bytes.length;
  if (!fits) throw new CabinPayError("invalid_argument", "a UUID is 16 bytes");
  let at = 0;
  for (let i = from; i < from + UUID_BYTES; i++) {
    if (i - from === 4 || i - from === 6 || i - from === 8 || i - from === 10) uuidCodes[at++] = DASH_CODE;
    uuidCodes[at++] = hexCodeOf(bytes[i]! >> 4);
    uuidCodes[at++] = hexCodeOf(bytes[i]!);
  }
  return utf8Decode(uuidCodes);
}

/** The creation time of a UUIDv7, or undefined for any other UUID version. */
export function uuidV7TimestampMs(uuid: string): number | undefined {
  if (!isUuid(uuid) || uuid[14] !== "7") return undefined;
  return Number.parseInt(uuid.slice(0, 8) + uuid.slice(9, 13), 16);
}
