/**
 * Checks a flight's chain as stored in the terminal's database (core process): each record's hash
 * is worked out again from its bytes (the record read only as far as its link: `recordLinkOf`),
 * sequences follow one another, each record names the hash of the one before, and the chain
 * reaches the head the anchor holds. Signatures need no check up to the anchor: a record changed in
 * any byte changes its hash, and so breaks the next link or the anchor. Past it, where anyone could
 * add a record that links, each must carry this terminal's signature.
 */
import {
  bytesEqual,
  ED25519_SIGNATURE_BYTES,
  GENESIS_HASH,
  isRecordSignatureValid,
  RECORD_HASH_BYTES,
  recordLinkOf,
} from "@cabinpay/shared";
import { createNodeVerifier, nodeSha256 } from "@cabinpay/shared/node";
import type { TerminalDb } from "../db/open.js";

export interface ChainHead {
  readonly sequence: number;
  readonly hash: Uint8Array;
}

export const GENESIS_HEAD: ChainHead = { sequence: 0, hash: GENESIS_HASH };

export type ChainCheck = { readonly ok: true; readonly head: ChainHead } | { readonly ok: false; readonly detail: string };

/** What the chain is checked against: the head the anchor holds and the key that signs this terminal's records. */
export interface Anchored extends ChainHead {
  readonly devicePublicKey: Uint8Array;
}

const verifier = createNodeVerifier();

/**
 * `anchored`: the head the anchor holds (undefined: links only). The database may run past it, by
 * records this terminal signed (the anchor is written just after a sale's answer, and without a
 * flush of its own: power lost first leaves it behind), never behind it nor beside it.
 */
export function checkStoredChain(db: TerminalDb, flightKey: string, anchored: Anchored | undefined): ChainCheck {
  let previous: ChainHead | undefined;
  let atAnchor: Uint8Array | undefined;
  for (const row of storedRecords(db, flightKey)) {
    if (row.storedHash === undefined) return { ok: false, detail: `record ${row.sequence} was changed after it was written` };
    // The link alone, hashed natively: decoding every record made a start with 50,000 take seconds.
    const link = recordLinkOf(row.bytes);
    if (link === undefined) return { ok: false, detail: `record ${row.sequence} cannot be read` };
    const hash = nodeSha256(link.body);
    if (link.sequence !== row.sequence || !bytesEqual(hash, row.storedHash)) {
      return { ok: false, detail: `record ${row.sequence} was changed after it was written` };
    }
    // Records before the first one kept were removed by the retention rule after the ground had them.
    const expectedPrevious = previous?.hash ?? (link.sequence === 1 ? GENESIS_HASH : link.previousHash);
    if (previous !== undefined && link.sequence !== previous.sequence + 1) {
      return { ok: false, detail: `records ${previous.sequence + 1} to ${link.sequence - 1} are missing` };
    }
    if (!bytesEqual(link.previousHash, expectedPrevious))
      return { ok: false, detail: `record ${row.sequence} does not follow the one before it` };
    if (link.sequence === anchored?.sequence) atAnchor = hash;
    if (anchored !== undefined && link.sequence > anchored.sequence && !signedHere(row.bytes, hash, anchored.devicePublicKey))
      return { ok: false, detail: `record ${link.sequence} was added outside the terminal (not signed by it)` };
    previous = { sequence: link.sequence, hash };
  }
  const head = previous ?? GENESIS_HEAD;
  if (anchored === undefined) return { ok: true, head };
  if (head.sequence < anchored.sequence) {
    return { ok: false, detail: `records ${head.sequence + 1} to ${anchored.sequence} were removed from the database` };
  }
  if (anchored.sequence > 0 && (atAnchor === undefined || !bytesEqual(atAnchor, anchored.hash))) {
    return { ok: false, detail: `record ${anchored.sequence} is not the one this terminal wrote` };
  }
  return { ok: true, head };
}

function signedHere(bytes: Uint8Array, hash: Uint8Array, devicePublicKey: Uint8Array): boolean {
  return isRecordSignatureValid({ signature: bytes.subarray(bytes.length - ED25519_SIGNATURE_BYTES), hash }, devicePublicKey, verifier);
}

/** Rows a page at a time: the whole flight at once held every record's bytes in memory. */
const PAGE_ROWS = 1_000;

interface StoredRecord {
  readonly sequence: number;
  /** Undefined when the stored hash is not a hash's length. */
  readonly storedHash: Uint8Array | undefined;
  readonly bytes: Uint8Array;
}

/**
 * A flight's records in sequence order, each row's hash and bytes read as one blob: better-sqlite3
 * makes a Buffer for every blob it returns, at about 3 µs each on the slowest host measured, so
 * two blobs a row cost a start with 50,000 records a fifth of its time. SQLite's `||` joins the
 * bytes as they are stored (text in the database's UTF-8, which it never rewrites), and the cast
 * hands them back as a blob.
 */
function* storedRecords(db: TerminalDb, flightKey: string): Generator<StoredRecord> {
  const page = db.$client
    .prepare(
      `SELECT sequence, length(hash), CAST(hash || bytes AS BLOB) FROM records
        WHERE flight_key = ? AND sequence > ? ORDER BY sequence LIMIT ${PAGE_ROWS}`,
    )
    .raw(true);
  let after = 0;
  for (;;) {
    const rows = page.all(flightKey, after) as [number, number, Buffer][];
    for (const [sequence, hashBytes, joined] of rows) {
      const whole = new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
      const storedHash = hashBytes === RECORD_HASH_BYTES ? whole.subarray(0, RECORD_HASH_BYTES) : undefined;
      yield { sequence, storedHash, bytes: whole.subarray(hashBytes) };
    }
    if (rows.length < PAGE_ROWS) return;
    after = rows[rows.length - 1]![0];
  }
}
