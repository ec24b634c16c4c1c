import {
  BATCH_REJECTIONS,
  type BatchContext,
  type BatchRejection,
  concatBytes,
  createBatch,
  GENESIS_HASH,
  LIMITS,
  nobleVerifier,
  type SaleRecord,
  type Verifier,
  verifyBatch,
  verifyBatchInSteps,
} from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chain, DEPARTURE_MS, FLIGHT, TERMINAL_ID, terminalKey } from "./support/fixtures.js";

const records = chain(8);
const context: BatchContext = { terminalId: TERMINAL_ID, publicKey: terminalKey.publicKey, flight: FLIGHT, verifier: createNodeVerifier() };

function batchOf(list: readonly SaleRecord[], previousHash: Uint8Array = GENESIS_HASH, signer = terminalKey): Uint8Array {
  return createBatch(
    { terminalId: TERMINAL_ID, flight: FLIGHT, firstSequence: list[0]!.sequence, previousHash, createdAtMs: DEPARTURE_MS },
    list,
    signer,
  );
}

function reasonOf(bytes: Uint8Array, ctx: BatchContext = context): BatchRejection | "accepted" {
  const result = verifyBatch(bytes, ctx);
  return result.ok ? "accepted" : result.reason;
}

/** Re-signs arbitrary batch bytes as the terminal would: to get past the batch signature. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

function resigned(bytes: Uint8Array): Uint8Array {
  const body = bytes.subarray(0, bytes.length - 64);
  return concatBytes(body, terminalKey.sign(concatBytes(new TextEncoder().encode("CPB1"), body)));
}

/** A rogue terminal's batch: its records, but a header claiming another predecessor, re-signed. */
function _withPreviousHash(bytes: Uint8Array, previousHash: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy.set(previousHash, PREVIOUS_HASH_OFFSET);
  return resigned(copy);
}

// version (1) + terminal id (16) + flight "9C" "8850" (1 + 2 + 1 + 4 + 2) + first sequence (4)
const PREVIOUS_HASH_OFFSET = 31;

describe("upload batches", () => {
  it("carry a contiguous run of records, verified whole", () => {
    const first = verifyBatch(batchOf(records.slice(0, 5)), context);
    expect(first.ok && first.batch.records.map((r) => r.sequence)).toEqual([1, 2, 3, 4, 5]);
    const second = verifyBatch(batchOf(records.slice(5), records[4]!.hash), context);
    expect(second.ok && second.batch.header).toMatchObject({ firstSequence: 6, previousHash: records[4]!.hash });
  });

  it("refuse to build what no receiver would accept", () => {
    const header = { terminalId: TERMINAL_ID, flight: FLIGHT, firstSequence: 1, previousHash: GENESIS_HASH, createdAtMs: DEPARTURE_MS };
    expect(() => createBatch(header, [], terminalKey)).toThrow(/at least one record/);
    expect(() => batchOf(records.slice(2))).toThrow(/continue/);
    const many = chain(LIMITS.batchRecordsMax + 1);
    expect(() => batchOf(many)).toThrow(/limit_exceeded/);
  });

  it("refuse a body over the size limit before decoding it", () => {
    expect(reasonOf(new Uint8Array(LIMITS.batchBytesMax + 1))).toBe("too_large");
  });

  it("name the broken record inside a refused batch", () => {
    const result = verifyBatch(batchOf([records[0]!, records[2]!]), context);
    expect(result.ok === false && result.chain).toMatchObject({ index: 1, sequence: 3, reason: "gap" });
  });

  it("refuse any single-byte change, even when the terminal re-signs it", () => {
    const good = batchOf(records.slice(0, 4));
    fc.assert(
      fc.property(fc.nat({ max: good.length - 65 }), fc.integer({ min: 1, max: 255 }), (offset, xor) => {
        const mutated = Uint8Array.from(good, (b, i) => (i === offset ? b ^ xor : b));
        expect(reasonOf(mutated)).not.toBe("accepted");
        // A key holder can re-sign the batch, but not the records inside it; the chain shows it.
        // (Except the header's created-at time, which is the batch's own and carries no record.)
        const createdAt = { start: PREVIOUS_HASH_OFFSET + 32, end: PREVIOUS_HASH_OFFSET + 32 + 8 };
        if (offset < createdAt.start || offset >= createdAt.end) expect(reasonOf(resigned(mutated))).not.toBe("accepted");
      }),
      { numRuns: 1000 },
    );
  });

  it("refuse every truncation", () => {
    const good = batchOf(records.slice(0, 2));
    for (let length = 0; length < good.length; length++) expect(reasonOf(good.subarray(0, length))).not.toBe("accepted");
  });

  it("give the same answer when verified in two steps, the signatures across cores or one after the other, whatever was changed", async () => {
    const good = batchOf(records.slice(0, 4));
    const inSteps = async (bytes: Uint8Array, verifier: Verifier) => {
      const stepped = verifyBatchInSteps(bytes, { ...context, verifier });
      return stepped.ok ? stepped.verifySignatures() : stepped.refused;
    };
    for (const verifier of [context.verifier, nobleVerifier]) expect(await inSteps(good, verifier)).toEqual(verifyBatch(good, context));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), async (offset, xor, resign) => {
        const changed = Uint8Array.from(good, (b, i) => (i === offset ? b ^ xor : b));
        const bytes = resign && offset < good.length - 64 ? resigned(changed) : changed;
        const expected = verifyBatch(bytes, context);
        expect(await inSteps(bytes, context.verifier)).toEqual(expected);
        expect(await inSteps(bytes, nobleVerifier)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("start verifying a long batch while it is still being read, and still refuse a bad signature in any chunk", async () => {
    const long = chain(200);
    const node = createNodeVerifier();
    const handed: number[] = [];
    const counting = {
      ...node,
      verifyAll: (items: Parameters<typeof node.verifyAll>[0]) => {
        handed.push(items.length);
        return node.verifyAll(items);
      },
    };
    const stepped = verifyBatchInSteps(batchOf(long), { ...context, verifier: counting });
    if (!stepped.ok) throw new Error(stepped.refused.detail);
    // Handed over before anyone asked for the verdict: the batch's signature and 200 records'.
    expect(handed.length).toBeGreaterThan(1);
    expect(handed.reduce((a, b) => a + b, 0)).toBe(201);
    expect((await stepped.verifySignatures()).ok).toBe(true);
    for (const index of [0, 63, 64, 150, 199]) {
      const bytes = batchOf(long).slice();
      // The record's own signature is the last 64 of its bytes; its place in the batch, found by content.
      const record = long[index]!.bytes;
      const at = indexOfBytes(bytes, record) + record.length - 1;
      bytes[at]! ^= 1;
      const forged = resigned(bytes);
      const stepwise = verifyBatchInSteps(forged, { ...context, verifier: counting });
      const answer = stepwise.ok ? await stepwise.verifySignatures() : stepwise.refused;
      expect(answer).toEqual(verifyBatch(forged, context));
      expect(answer).toMatchObject({ ok: false, reason: "broken_chain", chain: { index } });
    }
  });

  it("refuse through the parallel verifier a wrong signature, a wrong key and a key of the wrong length", async () => {
    const verifier = createNodeVerifier();
    const message = new Uint8Array([1, 2, 3]);
    const signature = terminalKey.sign(message);
    const item = { signature, message, publicKey: terminalKey.publicKey };
    expect(await verifier.verifyAll([item, item])).toBe(true);
    expect(await verifier.verifyAll([item, { ...item, message: new Uint8Array([1, 2, 4]) }])).toBe(false);
    expect(await verifier.verifyAll([{ ...item, publicKey: new Uint8Array(32).fill(9) }])).toBe(false);
    expect(await verifier.verifyAll([{ ...item, publicKey: new Uint8Array(31) }])).toBe(false);
    expect(await verifier.verifyAll([])).toBe(true);
  });

  it("never throw on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(BATCH_REJECTIONS).toContain(reasonOf(bytes));
        expect(BATCH_REJECTIONS).toContain(reasonOf(Uint8Array.from([1, ...bytes])));
      }),
    );
  });
});
