/**
 * Runs the library against every committed test vector, with both verifiers, and checks that the
 * committed files are exactly what the code produces (so a protocol change cannot slip through).
 */
import { readdirSync, readFileSync } from "node:fs";
import {
  BATCH_REJECTIONS,
  base45Decode,
  base45Encode,
  CHAIN_REJECTIONS,
  checkPin,
  createTrustList,
  decodeRecord,
  fromHex,
  isRecordSignatureValid,
  keyIdOf,
  MANIFEST_REJECTIONS,
  nobleVerifier,
  publicKeyOf,
  toHex,
  type Verifier,
  VOUCHER_REJECTIONS,
  verifyBatch,
  verifyChain,
  verifyManifest,
  verifyReceipt,
  verifyRotatingCode,
  verifyVoucher,
} from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import { describe, expect, it } from "vitest";
import { recordSummary, renderVectorFiles, type VectorFile, voucherSummary } from "./support/vectors.js";

const directory = new URL("../test-vectors/", import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: vectors are JSON read from disk, checked field by field below
type Vector = any;

function load(file: VectorFile): Vector[] {
  return (JSON.parse(readFileSync(new URL(file, directory), "utf8")) as { vectors: Vector[] }).vectors;
}

const hex = (text: string) => {
  const bytes = fromHex(text);
  if (bytes === undefined) throw new Error(`bad hex in vector: ${text.slice(0, 20)}`);
  return bytes;
};

const verifiers: Verifier[] = [nobleVerifier, createNodeVerifier()];
const executed = new Map<string, number>();
const count = (file: VectorFile) => executed.set(file, (executed.get(file) ?? 0) + 1);

describe("test vectors", () => {
  it("on disk are exactly what the code produces (run `npm run vectors` after a deliberate change)", () => {
    const rendered = renderVectorFiles();
    expect(readdirSync(directory).sort()).toEqual(Object.keys(rendered).sort());
    for (const [file, text] of Object.entries(rendered)) expect(readFileSync(new URL(file, directory), "utf8"), file).toBe(text);
  });

  it.each(load("keys.json"))("keys: $name", (v) => {
    expect(toHex(publicKeyOf(hex(v.secretKeyHex)))).toBe(v.publicKeyHex);
    expect(keyIdOf(hex(v.publicKeyHex))).toBe(v.keyId);
    count("keys.json");
  });

  it.each(load("base45.json"))("base45: $name", (v) => {
    if (v.bytesHex === null) expect(base45Decode(v.text)).toBeUndefined();
    else {
      expect(base45Encode(hex(v.bytesHex))).toBe(v.text);
      expect(toHex(base45Decode(v.text)!)).toBe(v.bytesHex);
    }
    count("base45.json");
  });

  it.each(load("vouchers.json"))("vouchers: $name", (v) => {
    for (const verifier of verifiers) {
      const result = verifyVoucher(v.text, {
        trustList: createTrustList(v.context.trustedKeys.map(hex)),
        revokedIds: new Set(v.context.revokedIds),
        flight: v.context.flight,
        nowMs: v.context.nowMs,
        clockToleranceMs: v.context.clockToleranceMs,
        verifier,
      });
      if (v.expected.ok) {
        if (!result.ok) throw new Error(`${verifier.name}: ${result.reason} ${result.detail}`);
        expect(voucherSummary(result.voucher)).toEqual(v.expected.voucher);
      } else expect(result.ok ? "accepted" : result.reason, verifier.name).toBe(v.expected.reason);
    }
    count("vouchers.json");
  });

  it.each(load("codes.json"))("codes: $name", (v) => {
    for (const verifier of verifiers) {
      const result = verifyRotatingCode(v.text, {
        trustList: createTrustList(v.context.trustedKeys.map(hex)),
        revokedIds: new Set(v.context.revokedIds),
        flight: v.context.flight,
        nowMs: v.context.nowMs,
        clockToleranceMs: v.context.clockToleranceMs,
        codeToleranceMs: v.context.codeToleranceMs,
        verifier,
      });
      if (v.expected.ok) {
        if (!result.ok) throw new Error(`${verifier.name}: ${result.reason} ${result.detail}`);
        const { voucher, slotStartMs, periodS, counter } = result.code;
        expect({ voucherId: voucher.voucherId, slotStartMs, periodS, counter }).toEqual(v.expected.code);
      } else expect(result.ok ? "accepted" : result.reason, verifier.name).toBe(v.expected.reason);
    }
    count("codes.json");
  });

  it.each(load("receipts.json"))("receipts: $name", (v) => {
    const groundKeys = new Map<string, Uint8Array>(
      v.context.groundKeys.map((k: { keyId: string; publicKeyHex: string }) => [k.keyId, hex(k.publicKeyHex)]),
    );
    for (const verifier of verifiers) {
      const result = verifyReceipt(v.text, { groundKeys, verifier });
      if (v.expected.ok) {
        if (!result.ok) throw new Error(`${verifier.name}: ${result.reason} ${result.detail}`);
        const r = result.receipt;
        expect({
          kind: r.kind,
          recordId: r.recordId,
          voucherId: r.voucherId,
          totalMinor: r.totalMinor,
          capLeftMinor: r.capLeftMinor,
          sequence: r.sequence,
          recordHashHex: toHex(r.recordHash),
          terminalId: r.certificate.terminalId,
          terminalName: r.certificate.terminalName,
        }).toEqual(v.expected.receipt);
      } else expect(result.ok ? "accepted" : result.reason, verifier.name).toBe(v.expected.reason);
    }
    count("receipts.json");
  });

  it.each(load("records.json"))("records: $name", (v) => {
    const result = decodeRecord(hex(v.hex));
    if (v.expected.ok) {
      if (!result.ok) throw new Error(result.detail);
      expect(recordSummary(result.record)).toEqual(v.expected.record);
      for (const verifier of verifiers)
        expect(isRecordSignatureValid(result.record, hex(v.publicKeyHex), verifier)).toBe(v.expected.signatureValid);
    } else expect(result.ok ? "decoded" : result.reason).toBe(v.expected.reason);
    count("records.json");
  });

  it.each(load("chains.json"))("chains: $name", (v) => {
    for (const verifier of verifiers) {
      const result = verifyChain(v.records.map(hex), {
        terminalId: v.context.terminalId,
        flight: v.context.flight,
        publicKey: hex(v.context.publicKeyHex),
        verifier,
        anchor: { sequence: v.context.anchor.sequence, hash: hex(v.context.anchor.hashHex) },
      });
      const actual = result.ok
        ? { ok: true, head: { sequence: result.head.sequence, hashHex: toHex(result.head.hash) } }
        : { ok: false, index: result.index, sequence: result.sequence ?? null, reason: result.reason };
      expect(actual, verifier.name).toEqual(v.expected);
    }
    count("chains.json");
  });

  it.each(load("batches.json"))("batches: $name", (v) => {
    for (const verifier of verifiers) {
      const result = verifyBatch(hex(v.hex), {
        terminalId: v.context.terminalId,
        flight: v.context.flight,
        publicKey: hex(v.context.publicKeyHex),
        verifier,
      });
      const actual = result.ok
        ? {
            ok: true,
            firstSequence: result.batch.header.firstSequence,
            recordCount: result.batch.records.length,
            headHashHex: toHex(result.batch.records.at(-1)!.hash),
          }
        : {
            ok: false,
            reason: result.reason,
            ...(result.chain ? { chain: { index: result.chain.index, reason: result.chain.reason } } : {}),
          };
      expect(actual, verifier.name).toEqual(v.expected);
    }
    count("batches.json");
  });

  it.each(load("manifests.json"))("manifests: $name", (v) => {
    for (const verifier of verifiers) {
      const result = verifyManifest(hex(v.hex), {
        manifestKey: hex(v.context.manifestKeyHex),
        verifier,
        nowMs: v.context.nowMs,
        clockToleranceMs: v.context.clockToleranceMs,
        ...(v.context.flight === null ? {} : { flight: v.context.flight }),
      });
      const actual = result.ok
        ? {
            ok: true,
            manifestId: result.manifest.manifestId,
            flight: result.manifest.flight,
            currency: result.manifest.currency,
            trolleys: result.manifest.trolleys,
            skus: result.manifest.catalog.map((item) => item.sku),
            trustedKeyIds: result.manifest.trustedKeys.map(keyIdOf),
            revokedVoucherIds: result.manifest.revokedVoucherIds,
            crewIds: result.manifest.crew.map((member) => member.crewId),
            limits: result.manifest.limits,
            codePolicy: result.manifest.codePolicy,
            spendPolicy: result.manifest.spendPolicy,
            cabinTerminals: result.manifest.cabinTerminals,
          }
        : { ok: false, reason: result.reason };
      expect(actual, verifier.name).toEqual(v.expected);
    }
    count("manifests.json");
  });

  it.each(load("pins.json"))("pins: $name", (v) => {
    const { log2N, r, p, saltHex, hashHex } = v.verifier;
    expect(checkPin(v.pin, { log2N, r, p, salt: hex(saltHex), hash: hex(hashHex) })).toBe(v.expected);
    count("pins.json");
  });

  it("cover every rejection code of every kind", () => {
    const reasons = (file: VectorFile) => new Set(load(file).flatMap((v) => (v.expected.ok ? [] : [v.expected.reason])));
    // A too_large vector would be megabytes of JSON; batch.test.ts and manifest.test.ts cover it.
    const except = (codes: readonly string[], left: string) => new Set(codes.filter((code) => code !== left));
    expect(reasons("vouchers.json")).toEqual(new Set(VOUCHER_REJECTIONS));
    expect(reasons("chains.json")).toEqual(new Set(CHAIN_REJECTIONS));
    expect(reasons("batches.json")).toEqual(except(BATCH_REJECTIONS, "too_large"));
    expect(reasons("manifests.json")).toEqual(except(MANIFEST_REJECTIONS, "too_large"));
  });

  it("were all executed", () => {
    for (const file of Object.keys(renderVectorFiles()) as VectorFile[]) expect(executed.get(file), file).toBe(load(file).length);
  });
});
