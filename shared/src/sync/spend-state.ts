/**
 * Cabin sync (issue 20): what each terminal of a flight approved against each voucher, shared
 * between the trolleys so a voucher's cap holds across them with no ground connection.
 *
 * Each terminal authors, per voucher, two grow-only counters in the voucher's own currency (its
 * cap's, as every terminal of the flight charges it at the manifest's rate): what it approved and
 * what it gave back (voids and refunds). It publishes them whole as a signed snapshot
 * whose version only grows. The cabin's state is, per terminal, the snapshot with the highest
 * version seen (ties, which only a faulty terminal makes, go to the larger bytes): a join
 * semilattice, so merging is commutative, associative and idempotent (property-tested), and every
 * terminal that has seen the same snapshots computes the same spend. A voucher's spend is the sum
 * over terminals of approved less given back.
 *
 * Layout (big-endian; docs/protocol.md has the table):
 *   u8 version=1 · flight · 16 terminal id · u32 snapshot version · u64 created at (ms) ·
 *   u16 entry count · entries (16 voucher id, u64 approved, u64 given back), voucher
 *   ids strictly ascending · bytes16 device certificate ·
 *   64 signature (Ed25519 by the certified device key over "CPS1" ‖ all bytes before it)
 */
import { SIGNATURE_DOMAIN } from "../crypto/domain.js";
import { ED25519_SIGNATURE_BYTES, type Signer, type Verifier } from "../crypto/ed25519.js";
import { ByteReader, ByteWriter, DecodeError } from "../encoding/binary.js";
import { bytesEqual, concatBytes } from "../encoding/bytes.js";
import { check } from "../errors.js";
import { type FlightRef, readFlight, writeFlight } from "../flight.js";
import { bytesToUuid, isUuid, UUID_BYTES, uuidToBytes } from "../ids/uuid.js";
import { certificateHolds, type DeviceCertificate, decodeCertificate } from "../receipt/certificate.js";

export const SPEND_SNAPSHOT_FORMAT_VERSION = 1;
/** Vouchers one snapshot may carry: more than any flight's registrations. */
export const SPEND_ENTRIES_MAX = 2_000;
const CERTIFICATE_BYTES_MAX = 256;

export interface SpendEntry {
  readonly voucherId: string;
  readonly approvedMinor: number;
  readonly givenBackMinor: number;
}

export interface SpendSnapshotContent {
  readonly flight: FlightRef;
  readonly terminalId: string;
  /**
   * Grows with every change to the counters: one more than the records in the terminal's chain of
   * the flight (1 before its first, so a terminal that has sold nothing yet is still heard). The
   * newer replaces the older everywhere; the ground checks the counters against the first
   * `version − 1` records it holds of that terminal.
   */
  readonly version: number;
  readonly createdAtMs: number;
  /** Every voucher the terminal sold against, ascending by voucher id. */
  readonly entries: readonly SpendEntry[];
}

export interface SpendSnapshot extends SpendSnapshotContent {
  readonly certificate: DeviceCertificate;
  readonly bytes: Uint8Array;
}

export const SPEND_REJECTIONS = [
  "malformed",
  "unsupported_version",
  "wrong_flight",
  "unknown_ground_key",
  "bad_certificate",
  "certificate_expired",
  "not_certified",
  "not_on_flight",
  "bad_signature",
] as const;
export type SpendRejection = (typeof SPEND_REJECTIONS)[number];

export type SpendSnapshotResult =
  | { readonly ok: true; readonly snapshot: SpendSnapshot }
  | { readonly ok: false; readonly reason: SpendRejection; readonly detail: string };

export function makeSpendSnapshot(content: SpendSnapshotContent, certificate: Uint8Array, device: Signer): SpendSnapshot {
  validate(content);
  const decoded = decodeCertificate(certificate);
  check(decoded.terminalId === content.terminalId, "the certificate is for another terminal");
  check(bytesEqual(decoded.devicePublicKey, device.publicKey), "the certificate is for another device key");
  const writer = new ByteWriter().u8(SPEND_SNAPSHOT_FORMAT_VERSION);
  writeFlight(writer, content.flight);
  writer.fixed(uuidToBytes(content.terminalId), UUID_BYTES).u32(content.version).u64(content.createdAtMs).u16(content.entries.length);
  for (const entry of content.entries)
    writer.fixed(uuidToBytes(entry.voucherId), UUID_BYTES).u64(entry.approvedMinor).u64(entry.givenBackMinor);
  const body = writer.bytes16(certificate, CERTIFICATE_BYTES_MAX).finish();
  const bytes = concatBytes(body, device.sign(concatBytes(SIGNATURE_DOMAIN.spendSnapshot, body)));
  return { ...content, certificate: decoded, bytes };
}

/**
 * Checks a snapshot another terminal sent: a terminal of our ground (its certificate, under the
 * ground key the manifest pinned), holding a trolley of this flight (when the manifest names them),
 * for this flight, signed by the certified key. Never throws.
 */
export function verifySpendSnapshot(
  bytes: Uint8Array,
  context: {
    groundKeys: ReadonlyMap<string, Uint8Array>;
    verifier: Verifier;
    flight: FlightRef;
    nowMs: number;
    /** The flight's terminals as its manifest names them; empty or absent: any terminal our ground certified. */
    terminals?: readonly string[];
  },
): SpendSnapshotResult {
  if (bytes.length > 4 + 40 * SPEND_ENTRIES_MAX + 512) return reject("malformed", "too large");
  if (bytes.length > 0 && bytes[0] !== SPEND_SNAPSHOT_FORMAT_VERSION) return reject("unsupported_version", `format ${bytes[0]}`);
  let decoded: { snapshot: SpendSnapshot; body: Uint8Array; signature: Uint8Array };
  try {
    decoded = decode(bytes);
  } catch (error) {
    if (error instanceof DecodeError) return reject("malformed", error.message);
    throw error;
  }
  const { snapshot, body, signature } = decoded;
  const { flight } = context;
  if (snapshot.flight.carrier !== flight.carrier || snapshot.flight.number !== flight.number || snapshot.flight.date !== flight.date)
    return reject("wrong_flight", "a snapshot of another flight");
  const certified = certificateHolds(snapshot.certificate, context.groundKeys, context.nowMs, context.verifier);
  if (certified !== "ok") return reject(certified, `the terminal's certificate: ${certified}`);
  if (snapshot.certificate.terminalId !== snapshot.terminalId) return reject("not_certified", "the certificate names another terminal");
  if (context.terminals !== undefined && context.terminals.length > 0 && !context.terminals.includes(snapshot.terminalId))
    return reject("not_on_flight", "a terminal our ground certified, but not one holding a trolley of this flight");
  if (!context.verifier.verify(signature, concatBytes(SIGNATURE_DOMAIN.spendSnapshot, body), snapshot.certificate.devicePublicKey))
    return reject("bad_signature", "not signed by the certified terminal: forged or altered");
  return { ok: true, snapshot };
}

/** A snapshot read back as stored, after `verifySpendSnapshot` took it: structure only; undefined if not one. */
export function readSpendSnapshot(bytes: Uint8Array): SpendSnapshot | undefined {
  try {
    return decode(bytes).snapshot;
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

function decode(bytes: Uint8Array): { snapshot: SpendSnapshot; body: Uint8Array; signature: Uint8Array } {
  const r = new ByteReader(bytes);
  r.u8("version");
  const flight = readFlight(r);
  const terminalId = bytesToUuid(r.fixed(UUID_BYTES, "terminal id"));
  const version = r.u32("snapshot version");
  const createdAtMs = r.u64("created at");
  const count = r.u16("entry count");
  if (count > SPEND_ENTRIES_MAX) throw new DecodeError("snapshot: too many entries");
  const entries = Array.from({ length: count }, () => ({
    voucherId: bytesToUuid(r.fixed(UUID_BYTES, "voucher id")),
    approvedMinor: r.u64("approved"),
    givenBackMinor: r.u64("given back"),
  }));
  const certificate = decodeCertificate(r.bytes16("certificate", 1, CERTIFICATE_BYTES_MAX).slice());
  const body = bytes.slice(0, r.position);
  const signature = r.fixed(ED25519_SIGNATURE_BYTES, "signature").slice();
  r.end("spend snapshot");
  if (!ascending(entries)) throw new DecodeError("snapshot: voucher ids not strictly ascending");
  return { snapshot: { flight, terminalId, version, createdAtMs, entries, certificate, bytes: bytes.slice() }, body, signature };
}

function validate(content: SpendSnapshotContent): void {
  check(isUuid(content.terminalId), "terminalId");
  check(Number.isInteger(content.version) && content.version >= 1 && content.version <= 0xffff_ffff, "version");
  check(Number.isSafeInteger(content.createdAtMs) && content.createdAtMs >= 0, "createdAtMs");
  check(content.entries.length <= SPEND_ENTRIES_MAX, `at most ${SPEND_ENTRIES_MAX} vouchers`);
  for (const entry of content.entries) {
    check(isUuid(entry.voucherId), "voucherId");
    check(Number.isSafeInteger(entry.approvedMinor) && entry.approvedMinor >= 0, "approvedMinor");
    check(Number.isSafeInteger(entry.givenBackMinor) && entry.givenBackMinor >= 0, "givenBackMinor");
  }
  check(ascending(content.entries), "entries ascending by voucher id");
}

function ascending(entries: readonly SpendEntry[]): boolean {
  return entries.every((entry, i) => i === 0 || entries[i - 1]!.voucherId < entry.voucherId);
}

function reject(reason: SpendRejection, detail: string): { ok: false; reason: SpendRejection; detail: string } {
  return { ok: false, reason, detail };
}
