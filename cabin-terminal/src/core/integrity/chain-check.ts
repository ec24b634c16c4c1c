/**
 * Checks a flight's chain as stored in the terminal's database (core process): each record's hash
 * is worked out again from its bytes (the record read only as far as its link: `recordLinkOf`),
 * sequences follow one another, each record names the hash of the one before, and the chain
 * reaches the head the anchor holds. Signatures need no check up to the anchor: a record changed in
 * any byte changes its hash, and so breaks the next link or the anchor. Past it, where anyone could
 * add a record that links, each must carry this terminal's signature.
 */
import { bytesEqual, ED25519_SIGNATURE_BYTES, GENESIS_HASH, isRecordSignatureValid, recordLinkOf } from "@cabinpay/shared";
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
  const rows = db.$client
    .prepare("SELECT sequence, hash, bytes FROM records WHERE flight_key = ? ORDER BY sequence")
    .iterate(flightKey) as IterableIterator<{ sequence: number; hash: Buffer; bytes: Buffer }>;
  let previous: ChainHead | undefined;
  let atAnchor: Uint8Array | undefined;
  for (const row of rows) {
    // The link alone, hashed natively: decoding every record made a start with 50,000 take seconds.
    const link = recordLinkOf(new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength));
    if (link === undefined) return { ok: false, detail: `record ${row.sequence} cannot be read` };
    const hash = nodeSha256(link.body);
    if (link.sequence !== row.sequence || !bytesEqual(hash, row.hash)) {
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

function signedHere(bytes: Buffer, hash: Uint8Array, devicePublicKey: Uint8Array): boolean {
  const signature = new Uint8Array(bytes.buffer, bytes.byteOffset + bytes.byteLength - ED25519_SIGNATURE_BYTES, ED25519_SIGNATURE_BYTES);
  return isRecordSignatureValid({ signature, hash }, devicePublicKey, verifier);
}
