/**
 * Verifies a per-terminal, per-flight chain of sale records and names the first broken record.
 *
 * Records are checked in list order; for each, the first failing check wins:
 *   1. decodes                                   → malformed / unsupported_version
 *   2. terminal id, then flight                  → wrong_terminal / wrong_flight
 *   3. sequence below the next expected one      → duplicate (same hash as the record already seen
 *      with that sequence) / fork (a different record) / reorder (not in this list)
 *      sequence above the next expected one      → reorder (the expected one comes later) / gap
 *   4. previous hash ≠ hash of the record before → altered (the link was changed)
 *   5. device signature                          → altered, when the next record in the list was
 *      chained to a different version of this one (its content changed after signing), otherwise
 *      bad_signature (the signature itself is wrong, or it is the last record and nothing else
 *      shows what it used to be)
 *   6. the record before it in the list closed the service → after_close
 */

import type { Verifier } from "../crypto/ed25519.js";
import { bytesEqual, toHex } from "../encoding/bytes.js";
import type { ChainRejection } from "../errors.js";
import { type FlightRef, sameFlight } from "../flight.js";
import {
  decodeRecord,
  GENESIS_HASH,
  isRecordSignatureValid,
  type RecordDecodeResult,
  type RecordReading,
  type SaleRecord,
} from "./record.js";

/** The record the list continues from: sequence 0 and the genesis hash for a new chain. */
export interface ChainAnchor {
  readonly sequence: number;
  readonly hash: Uint8Array;
}

export const GENESIS_ANCHOR: ChainAnchor = { sequence: 0, hash: GENESIS_HASH };

export interface ChainContext {
  readonly terminalId: string;
  readonly flight: FlightRef;
  /** The terminal's enrolled device public key. */
  readonly publicKey: Uint8Array;
  readonly verifier: Verifier;
  readonly anchor: ChainAnchor;
  /** How to read many records at once (native hashing, each voucher decoded once). */
  readonly reading?: RecordReading;
}

export type ChainResult =
  | { readonly ok: true; readonly records: readonly SaleRecord[]; readonly head: ChainAnchor }
  | {
      readonly ok: false;
      /** Position in the list of the first broken record. */
      readonly index: number;
      /** Its sequence number when it could be read. */
      readonly sequence: number | undefined;
      readonly reason: ChainRejection;
      readonly detail: string;
    };

export function verifyChain(encoded: readonly Uint8Array[], context: ChainContext): ChainResult {
  const decoded: RecordDecodeResult[] = encoded.map((bytes) => decodeRecord(bytes, context.reading));
  const seen = new Map<number, Uint8Array>();
  const records: SaleRecord[] = [];
  let expected = context.anchor.sequence + 1;
  let previousHash = context.anchor.hash;
  let closed = false;

  for (let index = 0; index < decoded.length; index++) {
    const result = decoded[index]!;
    if (!result.ok) return broken(index, undefined, result.reason, result.detail);
    const record = result.record;
    const fail = (reason: ChainRejection, detail: string) => broken(index, record.sequence, reason, detail);

    if (record.terminalId !== context.terminalId) return fail("wrong_terminal", `record of terminal ${record.terminalId}`);
    if (!sameFlight(record.flight, context.flight))
      return fail("wrong_flight", `record of ${record.flight.carrier}${record.flight.number} ${record.flight.date}`);

    if (record.sequence < expected) {
      const earlier = seen.get(record.sequence);
      if (earlier === undefined) return fail("reorder", `sequence ${record.sequence} comes after ${expected - 1}`);
      if (bytesEqual(earlier, record.hash)) return fail("duplicate", `sequence ${record.sequence} appears twice`);
      return fail("fork", `two different records claim sequence ${record.sequence}`);
    }
    if (record.sequence > expected) {
      const comesLater = decoded.some((later, j) => j > index && later.ok && later.record.sequence === expected);
      return fail(
        comesLater ? "reorder" : "gap",
        comesLater ? `sequence ${expected} comes later` : `sequence ${expected} to ${record.sequence - 1} missing`,
      );
    }
    if (!bytesEqual(record.previousHash, previousHash)) {
      return fail("altered", `does not link to record ${record.sequence - 1} (${toHex(previousHash).slice(0, 16)}…)`);
    }
    if (!isRecordSignatureValid(record, context.publicKey, context.verifier)) {
      const next = decoded[index + 1];
      const nextLinksElsewhere =
        next?.ok === true && next.record.sequence === record.sequence + 1 && !bytesEqual(next.record.previousHash, record.hash);
      return nextLinksElsewhere
        ? fail("altered", "its content changed after the next record was chained to it")
        : fail("bad_signature", "the device signature does not match");
    }
    if (closed) return fail("after_close", "the service was closed by the record before it");
    closed = record.kind === "close";
    seen.set(record.sequence, record.hash);
    records.push(record);
    previousHash = record.hash;
    expected += 1;
  }
  return { ok: true, records, head: { sequence: expected - 1, hash: previousHash } };
}

function broken(index: number, sequence: number | undefined, reason: ChainRejection, detail: string): ChainResult {
  return { ok: false, index, sequence, reason, detail };
}
