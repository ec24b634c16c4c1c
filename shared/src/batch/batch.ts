/**
 * Upload batch: a contiguous run of one terminal's records for one flight, signed by the terminal.
 *
 * v1 layout (big-endian): u8 version=1 · 16 terminal id · flight · u32 first sequence ·
 *   32 previous hash (of record first-1; genesis zeros for 1) · u64 created-at ms ·
 *   u16 record count · records (bytes16 each) · 64 signature over "CPB1" ‖ all bytes before it
 */

import { SIGNATURE_DOMAIN } from "../crypto/domain.js";
import { ED25519_SIGNATURE_BYTES, parallelOf, type SignedMessage, type Signer, type Verifier, verifyAll } from "../crypto/ed25519.js";
import { ByteReader, ByteWriter, DecodeError } from "../encoding/binary.js";
import { bytesEqual, concatBytes } from "../encoding/bytes.js";
import { type BatchRejection, check, checkLimit } from "../errors.js";
import { type FlightRef, readFlight, sameFlight, writeFlight } from "../flight.js";
import { UUID_BYTES, uuidToBytes } from "../ids/uuid.js";
import { LIMITS } from "../limits.js";
import { type ChainResult, verifyChain } from "../record/chain.js";
import { GENESIS_HASH, RECORD_HASH_BYTES, type RecordReading, type SaleRecord } from "../record/record.js";

export const BATCH_FORMAT_VERSION = 1;

export interface BatchHeader {
  readonly terminalId: string;
  readonly flight: FlightRef;
  readonly firstSequence: number;
  /** Hash of record firstSequence − 1, which the receiver must already hold (genesis for 1). */
  readonly previousHash: Uint8Array;
  readonly createdAtMs: number;
}

export interface VerifiedBatch {
  readonly header: BatchHeader;
  readonly records: readonly SaleRecord[];
}

/** Encodes and signs a batch of records, which must continue the chain from `previousHash`. */
export function createBatch(header: BatchHeader, records: readonly SaleRecord[], signer: Signer): Uint8Array {
  check(records.length >= 1, "a batch has at least one record");
  checkLimit(records.length <= LIMITS.batchRecordsMax, `at most ${LIMITS.batchRecordsMax} records in a batch`);
  check(header.firstSequence >= 1 && records[0]!.sequence === header.firstSequence, "records start at firstSequence");
  check(header.firstSequence !== 1 || bytesEqual(header.previousHash, GENESIS_HASH), "sequence 1 follows genesis");
  check(bytesEqual(records[0]!.previousHash, header.previousHash), "records must continue from previousHash");
  const writer = new ByteWriter().u8(BATCH_FORMAT_VERSION).fixed(uuidToBytes(header.terminalId), UUID_BYTES);
  writeFlight(writer, header.flight);
  writer.u32(header.firstSequence).fixed(header.previousHash, RECORD_HASH_BYTES).u64(header.createdAtMs).u16(records.length);
  for (const record of records) writer.bytes16(record.bytes, LIMITS.recordBytesMax);
  const body = writer.finish();
  const bytes = concatBytes(body, signer.sign(concatBytes(SIGNATURE_DOMAIN.batch, body)));
  checkLimit(bytes.length <= LIMITS.batchBytesMax, `batch is ${bytes.length} bytes, over ${LIMITS.batchBytesMax}`);
  return bytes;
}

export interface BatchContext {
  /** The terminal the upload is authenticated as, and its enrolled device key. */
  readonly terminalId: string;
  readonly publicKey: Uint8Array;
  /** The flight the terminal is enrolled for. */
  readonly flight: FlightRef;
  readonly verifier: Verifier;
  /** How to read the batch's records (native hashing, each voucher decoded once). */
  readonly reading?: RecordReading;
}

export type BatchResult =
  | { readonly ok: true; readonly batch: VerifiedBatch }
  | {
      readonly ok: false;
      readonly reason: BatchRejection;
      readonly detail: string;
      /** For `broken_chain`: which record and why. */
      readonly chain?: Extract<ChainResult, { ok: false }>;
    };

export type BatchRefusal = Extract<BatchResult, { ok: false }>;

/**
 * Verifies a whole batch: size, structure, terminal and flight, batch signature, then the chain of
 * its records from the claimed previous hash. The receiver must still check that claim against the
 * record it holds (or the genesis hash). Never throws; any failure rejects the whole batch.
 */
export function verifyBatch(bytes: Uint8Array, context: BatchContext): BatchResult {
  if (bytes.length > LIMITS.batchBytesMax) return reject("too_large", `${bytes.length} bytes, limit ${LIMITS.batchBytesMax}`);
  if (bytes.length > 0 && bytes[0] !== BATCH_FORMAT_VERSION) return reject("unsupported_version", `batch format ${bytes[0]}`);
  let header: BatchHeader;
  let encodedRecords: Uint8Array[];
  let signedLength: number;
  try {
    ({ header, encodedRecords, signedLength } = decodeBatch(bytes));
  } catch (error) {
    if (error instanceof DecodeError) return reject("malformed", error.message);
    throw error;
  }
  if (header.terminalId !== context.terminalId) return reject("wrong_terminal", `batch of terminal ${header.terminalId}`);
  if (!sameFlight(header.flight, context.flight))
    return reject("wrong_flight", `batch for ${header.flight.carrier}${header.flight.number} ${header.flight.date}`);
  const message = concatBytes(SIGNATURE_DOMAIN.batch, bytes.subarray(0, signedLength));
  if (!context.verifier.verify(bytes.subarray(signedLength), message, context.publicKey)) {
    return reject("bad_signature", "the batch signature does not match the terminal's key");
  }
  const chain = verifyChain(encodedRecords, {
    terminalId: context.terminalId,
    flight: context.flight,
    publicKey: context.publicKey,
    verifier: context.verifier,
    anchor: { sequence: header.firstSequence - 1, hash: header.previousHash },
    ...(context.reading === undefined ? {} : { reading: context.reading }),
  });
  if (!chain.ok) return { ok: false, reason: "broken_chain", detail: `record ${chain.index}: ${chain.reason}, ${chain.detail}`, chain };
  return { ok: true, batch: { header, records: chain.records } };
}

/** Signatures handed to a parallel verifier at a time while a batch is read: verifying starts as reading goes on. */
const SIGNATURES_PER_START = 64;

/**
 * `verifyBatch` in two steps, so that a caller can overlap the signature checks (most of the cost)
 * with other work, such as sending its database writes. The first step runs every check with each
 * signature taken as good and noted; a verifier that can verify across cores (`ParallelVerifier`)
 * starts on the noted ones while the rest of the batch is read, and `verifySignatures` waits for
 * them all (or checks them one by one with any other verifier). The answer is always exactly
 * `verifyBatch`'s: if all signatures hold, the first step took the path the full check takes; if
 * any fails, the full check runs again to name the reason.
 */
export function verifyBatchInSteps(
  bytes: Uint8Array,
  context: BatchContext,
):
  | { readonly ok: false; readonly refused: BatchRefusal }
  | { readonly ok: true; readonly batch: VerifiedBatch; verifySignatures(): Promise<BatchResult> } {
  const parallel = parallelOf(context.verifier);
  const noted: SignedMessage[] = [];
  const started: Promise<boolean>[] = [];
  const start = () => {
    if (parallel !== undefined && noted.length > 0) started.push(parallel.verifyAll(noted.splice(0)));
  };
  const noting: Verifier = {
    name: "noting",
    verify(signature, message, publicKey) {
      noted.push({ signature, message, publicKey });
      if (noted.length >= SIGNATURES_PER_START) start();
      return true;
    },
  };
  const firstStep = verifyBatch(bytes, { ...context, verifier: noting });
  if (!firstStep.ok) return { ok: false, refused: verifyBatch(bytes, context) as BatchRefusal };
  start();
  return {
    ok: true,
    batch: firstStep.batch,
    async verifySignatures() {
      const holds = parallel !== undefined ? (await Promise.all(started)).every(Boolean) : await verifyAll(context.verifier, noted);
      return holds ? firstStep : verifyBatch(bytes, context);
    },
  };
}

function decodeBatch(bytes: Uint8Array): { header: BatchHeader; encodedRecords: Uint8Array[]; signedLength: number } {
  const reader = new ByteReader(bytes);
  reader.u8("version");
  const terminalId = reader.uuid("terminal id");
  const flight = readFlight(reader);
  const firstSequence = reader.u32("first sequence");
  const previousHash = reader.fixed(RECORD_HASH_BYTES, "previous hash").slice();
  const createdAtMs = reader.u64("created at");
  const count = reader.u16("record count");
  if (firstSequence < 1) throw new DecodeError("batch: first sequence is 1 or more");
  if (firstSequence === 1 && !bytesEqual(previousHash, GENESIS_HASH)) throw new DecodeError("batch: sequence 1 follows genesis");
  if (count < 1 || count > LIMITS.batchRecordsMax) throw new DecodeError(`batch: ${count} records, 1 to ${LIMITS.batchRecordsMax}`);
  const encodedRecords: Uint8Array[] = [];
  for (let i = 0; i < count; i++) encodedRecords.push(reader.bytes16("record", 1, LIMITS.recordBytesMax));
  const signedLength = reader.position;
  reader.fixed(ED25519_SIGNATURE_BYTES, "signature");
  reader.end("batch");
  return { header: { terminalId, flight, firstSequence, previousHash, createdAtMs }, encodedRecords, signedLength };
}

function reject(reason: BatchRejection, detail: string): BatchResult {
  return { ok: false, reason, detail };
}
