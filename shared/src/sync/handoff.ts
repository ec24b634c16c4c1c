/**
 * Cabin sync's QR hand-off (issue 20), for trolleys with no network between them: one terminal
 * shows the spend snapshots it holds as a loop of QR codes, the other scans them. Any order, any
 * repeats; once every part is in, the snapshots are checked as if they came over the network
 * (`verifySpendSnapshot`): the QR carries nothing a terminal believes on sight.
 *
 * A frame, in QR alphanumeric characters (Base45, RFC 9285):
 *   "CPH1:" part "/" parts ":" set id (16 hex, the first 8 bytes of SHA-256 of the payload) ":" Base45 chunk
 * The payload: u8 snapshot count · per snapshot, u32 length · bytes.
 */
import { sha256 } from "../crypto/hash.js";
import { base45Decode, base45Encode } from "../encoding/base45.js";
import { ByteReader, ByteWriter, DecodeError } from "../encoding/binary.js";
import { concatBytes, toHex } from "../encoding/bytes.js";
import { check } from "../errors.js";
import { SPEND_ENTRIES_MAX } from "./spend-state.js";

export const HANDOFF_PREFIX = "CPH1:";
/** Bytes of payload per frame: 600 Base45 characters, a QR code of about version 17, easy to scan off a screen. */
export const HANDOFF_FRAME_BYTES = 400;
/** A cabin's snapshots at most (16 of 2,000 vouchers): the collector allocates no more than this. */
export const HANDOFF_PAYLOAD_BYTES_MAX = 16 * (40 * SPEND_ENTRIES_MAX + 512) + 64;
const PARTS_MAX = Math.ceil(HANDOFF_PAYLOAD_BYTES_MAX / HANDOFF_FRAME_BYTES);
const SNAPSHOTS_MAX = 16;
const FRAME = /^CPH1:(\d{1,4})\/(\d{1,4}):([0-9A-F]{16}):([0-9A-Z $%*+\-./:]+)$/;

/** The frames that carry `snapshots`, to show one after the other. */
export function handoffFrames(snapshots: readonly Uint8Array[]): string[] {
  check(snapshots.length >= 1 && snapshots.length <= SNAPSHOTS_MAX, `1 to ${SNAPSHOTS_MAX} snapshots`);
  const writer = new ByteWriter().u8(snapshots.length);
  for (const snapshot of snapshots) writer.u32(snapshot.length).fixed(snapshot, snapshot.length);
  const payload = writer.finish();
  check(payload.length <= HANDOFF_PAYLOAD_BYTES_MAX, `a hand-off of at most ${HANDOFF_PAYLOAD_BYTES_MAX} bytes`);
  const id = toHex(sha256(payload).slice(0, 8)).toUpperCase();
  const parts = Math.ceil(payload.length / HANDOFF_FRAME_BYTES);
  return Array.from({ length: parts }, (_, i) => {
    const chunk = payload.subarray(i * HANDOFF_FRAME_BYTES, (i + 1) * HANDOFF_FRAME_BYTES);
    return `${HANDOFF_PREFIX}${i + 1}/${parts}:${id}:${base45Encode(chunk)}`;
  });
}

export type HandoffProgress =
  | { readonly status: "partial"; readonly have: number; readonly of: number }
  | { readonly status: "complete"; readonly snapshots: Uint8Array[] }
  | { readonly status: "invalid"; readonly detail: string };

/** Gathers the frames of one hand-off; a frame of another set starts over (the other screen moved on). */
export class HandoffCollector {
  #id: string | undefined;
  #parts: (Uint8Array | undefined)[] = [];

  add(text: string): HandoffProgress {
    // Not trimmed: a space is a Base45 character. A scanner's line end is not.
    const match = FRAME.exec(text.replace(/[\r\n]+$/, ""));
    if (match === null) return { status: "invalid", detail: "not a part of a trolley's hand-off code" };
    const [part, parts] = [Number(match[1]), Number(match[2])];
    const chunk = base45Decode(match[4]!);
    if (parts < 1 || parts > PARTS_MAX || part < 1 || part > parts || chunk === undefined || chunk.length > HANDOFF_FRAME_BYTES)
      return { status: "invalid", detail: "a hand-off part out of its bounds" };
    if (this.#id !== match[3] || this.#parts.length !== parts) {
      this.#id = match[3];
      this.#parts = new Array(parts).fill(undefined);
    }
    this.#parts[part - 1] = chunk;
    const have = this.#parts.filter((p) => p !== undefined).length;
    if (have < parts) return { status: "partial", have, of: parts };
    const payload = concatBytes(...(this.#parts as Uint8Array[]));
    const id = this.#id;
    this.#id = undefined;
    this.#parts = [];
    if (toHex(sha256(payload).slice(0, 8)).toUpperCase() !== id)
      return { status: "invalid", detail: "the parts do not add up: scan again" };
    return readPayload(payload);
  }
}

function readPayload(payload: Uint8Array): HandoffProgress {
  try {
    const r = new ByteReader(payload);
    const count = r.u8("snapshot count");
    if (count < 1 || count > SNAPSHOTS_MAX) throw new DecodeError(`hand-off: ${count} snapshots`);
    const snapshots = Array.from({ length: count }, () => r.fixed(r.u32("snapshot length"), "snapshot").slice());
    r.end("hand-off");
    return { status: "complete", snapshots };
  } catch (error) {
    if (error instanceof DecodeError) return { status: "invalid", detail: error.message };
    throw error;
  }
}
