import {
  CHAIN_REJECTIONS,
  type ChainRejection,
  type ChainResult,
  createRecord,
  decodeRecord,
  decodeVoucherBinary,
  fromHex,
  GENESIS_ANCHOR,
  GENESIS_HASH,
  isRecordSignatureValid,
  NIL_UUID,
  nobleVerifier,
  RECORD_FORMAT_VERSION,
  RECORD_READABLE_VERSIONS,
  type RecordDraft,
  recordLinkOf,
  type SaleRecord,
  sha256,
  verifyChain,
  voucherMemo,
} from "@cabinpay/shared";
import { createNodeVerifier, nodeSha256 } from "@cabinpay/shared/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chain, FLIGHT, issue, otherTerminalKey, TERMINAL_ID, terminalKey } from "./support/fixtures.js";
import { fieldAt, recordLayout } from "./support/layout.js";
import { earlierRecords } from "./support/vectors.js";

const nodeVerifier = createNodeVerifier();
const CHAIN_LENGTH = 6;
const records = chain(CHAIN_LENGTH);

function chainContext(anchor = GENESIS_ANCHOR) {
  return { terminalId: TERMINAL_ID, flight: FLIGHT, publicKey: terminalKey.publicKey, verifier: nodeVerifier, anchor };
}

function verify(list: readonly Uint8Array[], anchor = GENESIS_ANCHOR): ChainResult {
  return verifyChain(list, chainContext(anchor));
}

function failure(result: ChainResult): { index: number; reason: ChainRejection } | "ok" {
  return result.ok ? "ok" : { index: result.index, reason: result.reason };
}

const bytesOf = (list: readonly SaleRecord[]) => list.map((r) => r.bytes);

/** The same record content, re-signed by whoever holds the key (a stolen or rogue terminal). */
function resign(record: SaleRecord, changes: Partial<RecordDraft>): SaleRecord {
  const { formatVersion: _v, totalMinor: _t, hash: _h, signature: _s, bytes: _b, ...draft } = record;
  return createRecord({ ...draft, ...changes } as RecordDraft, terminalKey);
}

describe("sale records", () => {
  it("round-trip, with a hash that commits to the bytes and a signature that verifies", () => {
    for (const record of records) {
      const decoded = decodeRecord(record.bytes);
      if (!decoded.ok) throw new Error(decoded.detail);
      expect(decoded.record).toEqual(record);
      expect(isRecordSignatureValid(decoded.record, terminalKey.publicKey, nobleVerifier)).toBe(true);
      expect(isRecordSignatureValid(decoded.record, otherTerminalKey.publicKey, nobleVerifier)).toBe(false);
    }
    expect(records[0]!.totalMinor).toBe(2 * 2000 + 4801);
    expect(records[3]).toMatchObject({ kind: "void", referencedRecordId: records[0]!.recordId, totalMinor: records[0]!.totalMinor });
  });

  it("give their link (sequence, previous hash, hashed body) from their first fields, as decoding does; nothing from what is not one", () => {
    const earlier = Object.values(earlierRecords()).flatMap((byName) => Object.values(byName).map((v) => fromHex(v.hex)!));
    for (const bytes of [...records.map((record) => record.bytes), ...earlier]) {
      const decoded = decodeRecord(bytes);
      if (!decoded.ok) throw new Error(decoded.detail);
      const link = recordLinkOf(bytes);
      expect(link).toMatchObject({ sequence: decoded.record.sequence, previousHash: decoded.record.previousHash });
      expect(sha256(link!.body)).toEqual(decoded.record.hash);
    }
    const bytes = records[0]!.bytes;
    for (const broken of [new Uint8Array(), bytes.subarray(0, 40), Uint8Array.of(9, ...bytes.subarray(1)), bytes.subarray(0, 120)])
      expect(recordLinkOf(broken)).toBeUndefined();
  });

  it("refuse drafts that break the rules", () => {
    const sale = records[0]!;
    expect(() => resign(sale, { lines: [] })).toThrow(/at least one line/);
    expect(() => resign(sale, { lines: [{ sku: "DR-COF-300", quantity: 0, unitPriceMinor: 2000 }] })).toThrow(/quantity/);
    expect(() => resign(sale, { lines: [{ sku: "DR-COF-300", quantity: 999, unitPriceMinor: 2 ** 50 }] })).toThrow(/amount_overflow/);
    expect(() => resign(sale, { previousHash: new Uint8Array(32).fill(1) })).toThrow(/genesis/);
    expect(() => resign(sale, { voucherBytes: undefined as never })).toThrow(/voucher/);
    expect(() => resign(sale, { voucherId: "0193c19a-5c00-7000-8000-000000000002" })).toThrow(/voucherBytes/);
    expect(() => resign(records[3]!, { referencedRecordId: undefined as never })).toThrow(/references/);
    // A CNY voucher on a HKD leg: the sale is in the flight's currency (the ground checks it is).
    expect(() => resign(sale, { currency: "HKD" })).not.toThrow();
    const closing = {
      ...records[3]!,
      kind: "close" as const,
      voucherId: NIL_UUID,
      referencedRecordId: undefined as never,
      reason: undefined as never,
      lines: [],
    };
    expect(() => resign(closing, {})).not.toThrow();
    expect(() => resign(closing, { reason: "other" })).toThrow(/no reason/);
    expect(() => resign(sale, { reason: "damaged" })).toThrow(/no reason/);
    // From v2 every reversal says why, from the list.
    expect(() => resign(records[3]!, { reason: undefined as never })).toThrow(/says why/);
    expect(() => resign(records[3]!, { reason: "bored" as never })).toThrow(/says why/);
    expect(resign(records[3]!, { reason: "damaged" })).toMatchObject({ reason: "damaged", formatVersion: 2 });
    expect(() => resign(closing, { lines: sale.lines })).toThrow(/no lines/);
    expect(() => resign(closing, { voucherId: sale.voucherId })).toThrow(/nil id/);
    const line = sale.lines[0]!;
    expect(() => resign(sale, { lines: Array.from({ length: 51 }, () => line) })).toThrow(/limit_exceeded/);
  });

  it("are the same bytes when made with what the caller has (its decoded voucher, native SHA-256); a decoded voucher not of the bytes is not believed", () => {
    const { formatVersion: _v, totalMinor: _t, hash: _h, signature: _s, bytes: _b, ...draft } = records[0]!;
    const decoded = decodeVoucherBinary(draft.voucherBytes!);
    if (!decoded.ok) throw new Error(decoded.detail);
    const made = createRecord(draft, terminalKey, { voucher: decoded.voucher, sha256: nodeSha256 });
    expect(made.bytes).toEqual(records[0]!.bytes);
    expect(made.hash).toEqual(sha256(made.bytes.subarray(0, made.bytes.length - 64)));
    // Another voucher handed in beside these bytes: the bytes' own voucher decides.
    const other = decodeVoucherBinary(issue({ voucherId: "0193c19a-5c00-7000-8000-000000000002" }).bytes);
    if (!other.ok) throw new Error(other.detail);
    expect(createRecord(draft, terminalKey, { voucher: other.voucher }).bytes).toEqual(records[0]!.bytes);
    expect(() => createRecord({ ...draft, voucherId: other.voucher.voucherId }, terminalKey, { voucher: other.voucher })).toThrow(
      /voucherBytes/,
    );
  });
});

describe("reading many records (native hashing, each voucher decoded once)", () => {
  it("reads every record exactly as a plain decode does, and a changed byte is still refused", () => {
    const reading = { sha256: nodeSha256, decodeVoucher: voucherMemo() };
    for (const record of records) {
      const plain = decodeRecord(record.bytes);
      const read = decodeRecord(record.bytes, reading);
      expect(read).toEqual(plain);
    }
    const changed = records[0]!.bytes.slice();
    changed[changed.length - 70]! ^= 1;
    expect(decodeRecord(changed, reading).ok).toBe(decodeRecord(changed).ok);
    expect(failure(verifyChain(bytesOf(records), { ...chainContext(), reading }))).toBe("ok");
  });

  it("decodes equal voucher bytes once, into one object; other bytes into another; garbage into nothing", () => {
    const memo = voucherMemo();
    const voucher = records[0]!.voucherBytes!;
    const first = memo(voucher);
    expect(first?.voucherId).toBe(records[0]!.voucherId);
    expect(memo(voucher.slice())).toBe(first);
    const other = issue({ voucherId: "0193c19a-5c00-7000-8000-000000000002" }).bytes;
    expect(memo(other)).not.toBe(first);
    expect(memo(other)?.voucherId).toBe("0193c19a-5c00-7000-8000-000000000002");
    expect(memo(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });

  it("stays right past its bounds: look-alikes sharing the last bytes, and more vouchers than it keeps", () => {
    const memo = voucherMemo(2);
    const voucher = records[0]!.voucherBytes!;
    // Same last four bytes, one byte changed before them: a bucket's look-alikes, all garbage.
    for (let i = 0; i < 10; i++) {
      const alike = voucher.slice();
      alike[10 + i]! ^= 0xff;
      expect(memo(alike)).toEqual(decodeVoucherBinary(alike).ok ? (decodeVoucherBinary(alike) as { voucher: unknown }).voucher : undefined);
    }
    const decoded = decodeVoucherBinary(voucher);
    expect(memo(voucher)).toEqual(decoded.ok ? decoded.voucher : undefined);
    expect(memo(voucher)?.voucherId).toBe(records[0]!.voucherId);
  });
});

describe("chain verification", () => {
  it("accepts an intact chain, from genesis or continuing from an anchor", () => {
    const whole = verify(bytesOf(records));
    expect(whole.ok && whole.head.sequence).toBe(CHAIN_LENGTH);
    expect(whole.ok && whole.head.hash).toEqual(records.at(-1)!.hash);
    const tail = verify(bytesOf(records.slice(3)), { sequence: 3, hash: records[2]!.hash });
    expect(tail.ok).toBe(true);
    expect(verify([]).ok).toBe(true);
    expect(GENESIS_HASH).toEqual(new Uint8Array(32));
  });

  const [r1, r2, , r4, r5, r6] = records as [SaleRecord, SaleRecord, SaleRecord, SaleRecord, SaleRecord, SaleRecord];

  it("refuses a continuation from the wrong anchor", () => {
    expect(failure(verify(bytesOf([r4, r5, r6]), { sequence: 3, hash: r2.hash }))).toEqual({ index: 0, reason: "altered" });
    expect(failure(verify(bytesOf([r4, r5, r6]), { sequence: 4, hash: r4.hash }))).toEqual({ index: 0, reason: "reorder" });
    expect(failure(verify(bytesOf([r4, r5, r6]), { sequence: 2, hash: r2.hash }))).toEqual({ index: 0, reason: "gap" });
  });

  it("names the first broken record for any single-byte change of any record", () => {
    const expectedFor = (field: string, index: number): ChainRejection[] => {
      const tampered: ChainRejection = index < CHAIN_LENGTH - 1 ? "altered" : "bad_signature";
      switch (field) {
        case "version":
          // Another readable version (v1 ↔ v2) has another layout: the bytes no longer fit it.
          return ["unsupported_version", "malformed"];
        case "terminalId":
          return ["wrong_terminal"];
        case "flight":
          return ["malformed", "wrong_flight"];
        case "sequence":
          // Sequence 1 must link to genesis and others must not: a change can break that rule.
          return ["malformed", "duplicate", "fork", "reorder", "gap"];
        case "previousHash":
          return index === 0 ? ["malformed"] : ["altered"];
        case "signature":
          return ["bad_signature"];
        case "recordId":
        case "voucherId":
          // Any 16 bytes are a valid id, and a void's voucher id is not checked against evidence.
          return field === "voucherId" && records[index]!.kind === "sale" ? ["malformed"] : [tampered];
        default:
          return ["malformed", tampered];
      }
    };
    fc.assert(
      fc.property(fc.nat({ max: CHAIN_LENGTH - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (index, at, xor) => {
        const target = records[index]!;
        const offset = at % target.bytes.length;
        const list = bytesOf(records);
        list[index] = Uint8Array.from(target.bytes, (b, i) => (i === offset ? b ^ xor : b));
        const result = verify(list);
        if (result.ok) throw new Error(`accepted a change at byte ${offset} of record ${index}`);
        expect(result.index).toBe(index);
        expect(expectedFor(fieldAt(recordLayout(target), offset), index)).toContain(result.reason);
      }),
      { numRuns: 3000 },
    );
  });

  it("refuses every truncation of a record", () => {
    for (let length = 0; length < r2.bytes.length; length++) {
      expect(failure(verify([r1.bytes, r2.bytes.subarray(0, length)]))).toEqual({ index: 1, reason: "malformed" });
    }
  });

  it("catches any drop, duplication or reordering of records", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: CHAIN_LENGTH - 1 }), { minLength: 1, maxLength: 10 }), (order) => {
        fc.pre(!order.every((value, i) => value === i));
        const result = verify(order.map((i) => records[i]!.bytes));
        // Only a strict prefix of the chain in order is a valid chain.
        expect(result.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 4 }), (list) => {
        const result = verify([r1.bytes, ...list]);
        if (!result.ok) expect(CHAIN_REJECTIONS).toContain(result.reason);
        else expect(list).toEqual([]);
      }),
    );
  });
});

describe("earlier record versions", () => {
  it("reads the records v1 terminals signed (no reason), so an updated terminal still uploads what it stored", () => {
    const earlier = earlierRecords();
    expect(Object.keys(earlier)).toEqual(RECORD_READABLE_VERSIONS.filter((version) => version < RECORD_FORMAT_VERSION).map(String));
    for (const [version, byName] of Object.entries(earlier)) {
      for (const vector of Object.values(byName)) {
        const decoded = decodeRecord(fromHex(vector.hex)!);
        if (!decoded.ok) throw new Error(decoded.detail);
        expect(decoded.record).toMatchObject({ formatVersion: Number(version), kind: vector.record["kind"] });
        expect(decoded.record.reason).toBeUndefined();
        expect(isRecordSignatureValid(decoded.record, fromHex(vector.publicKeyHex)!, nobleVerifier)).toBe(true);
      }
    }
  });

  it("chains a v1 record to a v2 record, as a terminal updated mid-flight does", () => {
    const v1Sale = decodeRecord(fromHex(earlierRecords()["1"]!["sale"]!.hex)!);
    if (!v1Sale.ok) throw new Error(v1Sale.detail);
    const { formatVersion: _v, totalMinor: _t, hash: _h, signature: _s, bytes: _b, ...draft } = v1Sale.record;
    const next = createRecord(
      {
        ...draft,
        recordId: "01a22efd-9360-7282-af4f-a803be25e1ff",
        sequence: 2,
        previousHash: v1Sale.record.hash,
        createdAtMs: draft.createdAtMs + 1,
      },
      terminalKey,
    );
    expect(next.formatVersion).toBe(2);
    expect(failure(verify([v1Sale.record.bytes, next.bytes]))).toBe("ok");
  });
});
