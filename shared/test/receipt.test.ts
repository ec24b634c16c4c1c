import {
  base45Decode,
  base45Encode,
  certifyDevice,
  createNobleSigner,
  decodeRecord,
  generateSecretKey,
  makeReceipt,
  nobleVerifier,
  RECEIPT_TEXT_PREFIX,
  type ReceiptContent,
  type ReceiptRejection,
  verifyReceipt,
} from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import fc from "fast-check";
import QRCode from "qrcode";
import { describe, expect, it } from "vitest";
import { chain, DEPARTURE_MS, HOUR_MS, manifestKey, TERMINAL_ID, terminalKey } from "./support/fixtures.js";

const [sale] = chain(1);
const certificate = certifyDevice(
  {
    terminalId: TERMINAL_ID,
    devicePublicKey: terminalKey.publicKey,
    terminalName: "Trolley A",
    issuedAtMs: DEPARTURE_MS - 24 * HOUR_MS,
    expiresAtMs: DEPARTURE_MS + 30 * 24 * HOUR_MS,
  },
  manifestKey,
);
const groundKeys = new Map([[manifestKey.keyId, manifestKey.publicKey]]);
const content: ReceiptContent = {
  kind: "sale",
  recordId: sale!.recordId,
  voucherId: sale!.voucherId,
  flight: sale!.flight,
  createdAtMs: sale!.createdAtMs,
  currency: sale!.currency,
  lines: sale!.lines,
  capLeftMinor: 200_000 - sale!.totalMinor,
  capCurrency: "CNY",
  sequence: sale!.sequence,
  recordHash: sale!.hash,
};
const text = makeReceipt(content, certificate.bytes, terminalKey);
const reasonOf = (receipt: string, keys = groundKeys): ReceiptRejection | "accepted" => {
  const result = verifyReceipt(receipt, { groundKeys: keys, verifier: createNodeVerifier() });
  return result.ok ? "accepted" : result.reason;
};

describe("signed receipts", () => {
  it("carry what the terminal recorded, its place in the chain and the certified terminal, verified offline", () => {
    for (const verifier of [nobleVerifier, createNodeVerifier()]) {
      const result = verifyReceipt(text, { groundKeys, verifier });
      if (!result.ok) throw new Error(result.detail);
      expect(result.receipt).toMatchObject({ ...content, totalMinor: sale!.totalMinor });
      expect(result.receipt.certificate).toMatchObject({ terminalId: TERMINAL_ID, terminalName: "Trolley A" });
      // The receipt names the record the ground will hold: the same hash at the same sequence.
      const held = decodeRecord(sale!.bytes);
      expect(held.ok && held.record.hash).toEqual(result.receipt.recordHash);
    }
  });

  it("refuse a receipt of a terminal the ground did not certify, or certified for another time", () => {
    const stranger = createNobleSigner(generateSecretKey());
    const selfMade = certifyDevice({ ...certificate, devicePublicKey: terminalKey.publicKey }, stranger);
    expect(reasonOf(makeReceipt(content, selfMade.bytes, terminalKey))).toBe("unknown_ground_key");
    // Signed by a key with the ground key's id but not the ground key: the certificate is forged.
    expect(reasonOf(text, new Map([[manifestKey.keyId, stranger.publicKey]]))).toBe("bad_certificate");
    const lapsed = certifyDevice(
      { ...certificate, expiresAtMs: content.createdAtMs - 1, issuedAtMs: content.createdAtMs - HOUR_MS },
      manifestKey,
    );
    expect(reasonOf(makeReceipt(content, lapsed.bytes, terminalKey))).toBe("certificate_expired");
    // Another terminal's key cannot use this terminal's certificate.
    expect(() => makeReceipt(content, certificate.bytes, stranger)).toThrow(/another device key/);
  });

  it("refuse every single-byte change and every truncation", () => {
    const bytes = base45Decode(text.slice(RECEIPT_TEXT_PREFIX.length))!;
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (offset, xor) => {
        const mutated = bytes.slice();
        mutated[offset]! ^= xor;
        expect(reasonOf(RECEIPT_TEXT_PREFIX + base45Encode(mutated))).not.toBe("accepted");
      }),
      { numRuns: 1500 },
    );
    for (let length = 0; length < bytes.length; length += 3)
      expect(reasonOf(RECEIPT_TEXT_PREFIX + base45Encode(bytes.subarray(0, length)))).toBe("malformed");
    expect(reasonOf(`${RECEIPT_TEXT_PREFIX}${"A".repeat(10_000_000)}`)).toBe("malformed");
  });

  it("fit a QR code a phone reads off the terminal's screen: a two-line sale at version 17 or lower, level M", () => {
    expect(text.length).toBeLessThan(700);
    expect(QRCode.create(text, { errorCorrectionLevel: "M" }).version).toBeLessThanOrEqual(17);
  });
});
