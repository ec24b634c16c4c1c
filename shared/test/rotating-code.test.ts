import { webcrypto } from "node:crypto";
import {
  base45Encode,
  compressDevicePublicKey,
  concatBytes,
  createPortableDeviceSigner,
  createRecord,
  createTrustList,
  type DeviceSigner,
  decodeRecord,
  makeRotatingCode,
  presentationHolds,
  ROTATING_CODE_TEXT_PREFIX,
  type RotatingCodeContext,
  type RotatingCodeRejection,
  rotatingCodeBody,
  rotatingCodeText,
  SIGNATURE_DOMAIN,
  verifyRotatingCode,
} from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import fc from "fast-check";
import QRCode from "qrcode";
import { describe, expect, it } from "vitest";
import { chain, DEPARTURE_MS, FLIGHT, HOUR_MS, issue, issuerKey, phoneKey, terminalKey } from "./support/fixtures.js";
import { codeLayout, fieldAt } from "./support/layout.js";

/** The browser's WebCrypto, as Node has it: the same API a phone's PWA calls. */
const { subtle } = webcrypto;
const NOW_MS = DEPARTURE_MS + HOUR_MS + 7_000;
const PERIOD_S = 30;
const TOLERANCE_MS = 30_000;

function context(overrides: Partial<RotatingCodeContext> = {}): RotatingCodeContext {
  return {
    trustList: createTrustList([issuerKey.publicKey]),
    revokedIds: new Set(),
    flight: FLIGHT,
    nowMs: NOW_MS,
    clockToleranceMs: 5 * 60_000,
    codeToleranceMs: TOLERANCE_MS,
    verifier: createNodeVerifier(),
    ...overrides,
  };
}

const bound = issue({ devicePublicKey: phoneKey.publicKey });
const slot = { nowMs: NOW_MS, periodS: PERIOD_S, counter: 7 };
const codeText = (signer: DeviceSigner = phoneKey, at = slot) => makeRotatingCode(bound.bytes, at, signer);
const reasonOf = (text: string, ctx = context()): RotatingCodeRejection | "accepted" => {
  const result = verifyRotatingCode(text, ctx);
  return result.ok ? "accepted" : result.reason;
};
const bodyAndSignature = () => {
  const body = rotatingCodeBody(bound.bytes, slot, phoneKey.publicKey);
  return { body, signature: phoneKey.signSync(concatBytes(SIGNATURE_DOMAIN.rotatingCode, body)) };
};

describe("rotating codes", () => {
  it("carry the voucher, the slot and the counter, signed by the phone", async () => {
    const result = verifyRotatingCode(await codeText(), context());
    if (!result.ok) throw new Error(result.detail);
    expect(result.code).toMatchObject({ slotStartMs: Math.floor(NOW_MS / 30_000) * 30_000, periodS: 30, counter: 7 });
    expect(result.code.voucherBytes).toEqual(bound.bytes);
    expect(result.code.voucher.devicePublicKey).toEqual(phoneKey.publicKey);
  });

  it("verify a code a browser's WebCrypto signed with a key it cannot export", async () => {
    const pair = (await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
    expect(pair.privateKey.extractable).toBe(false);
    const publicKey = compressDevicePublicKey(new Uint8Array(await subtle.exportKey("raw", pair.publicKey)));
    const webCrypto: DeviceSigner = {
      publicKey,
      sign: async (message) =>
        new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, message as Uint8Array<ArrayBuffer>)),
    };
    const voucher = issue({ devicePublicKey: publicKey });
    // WebCrypto leaves s as it comes (high or low): a handful of codes meets both.
    for (let counter = 0; counter < 8; counter++) {
      expect(reasonOf(await makeRotatingCode(voucher.bytes, { ...slot, counter }, webCrypto))).toBe("accepted");
    }
  });

  it("die once their slot and the tolerance have passed: a photograph is good for a minute and a half at most", async () => {
    const text = await codeText();
    const slotStartMs = Math.floor(NOW_MS / 30_000) * 30_000;
    const slotEndMs = slotStartMs + 30_000;
    expect(reasonOf(text, context({ nowMs: slotEndMs + TOLERANCE_MS }))).toBe("accepted");
    expect(reasonOf(text, context({ nowMs: slotEndMs + TOLERANCE_MS + 1 }))).toBe("code_expired");
    expect(reasonOf(text, context({ nowMs: NOW_MS + 2 * 60_000 }))).toBe("code_expired");
    // A phone clock far ahead of the terminal's: refused as not yet valid, with what to do.
    expect(reasonOf(text, context({ nowMs: slotStartMs - TOLERANCE_MS }))).toBe("accepted");
    expect(reasonOf(text, context({ nowMs: slotStartMs - TOLERANCE_MS - 1 }))).toBe("code_not_yet_valid");
  });

  it("check the voucher inside as a printed one is checked, before the phone's signature", async () => {
    const text = await codeText();
    expect(reasonOf(text, context({ revokedIds: new Set(["0193c19a-5c00-7000-8000-000000000001"]) }))).toBe("revoked");
    expect(reasonOf(text, context({ trustList: createTrustList([]) }))).toBe("unknown_key");
    expect(reasonOf(text, context({ flight: { ...FLIGHT, number: "8851" } }))).toBe("wrong_flight");
  });

  it("refuse a code signed by another phone, and a printed voucher dressed as a code", async () => {
    const otherPhone = createPortableDeviceSigner();
    const impostor: DeviceSigner = { publicKey: phoneKey.publicKey, sign: otherPhone.sign };
    expect(reasonOf(await codeText(impostor))).toBe("bad_device_signature");
    await expect(makeRotatingCode(issue().bytes, slot, phoneKey)).rejects.toThrow(/bound to a device key/);
    // Built by hand around a printed voucher (as the layout says): the verifier says what it is.
    const printed = issue().bytes;
    const tail = new DataView(new ArrayBuffer(10));
    tail.setUint32(0, Math.floor(NOW_MS / 30_000) * 30);
    tail.setUint16(4, PERIOD_S);
    tail.setUint32(6, 1);
    const length = Uint8Array.of(printed.length >> 8, printed.length & 0xff);
    const body = concatBytes(Uint8Array.of(1), length, printed, new Uint8Array(tail.buffer));
    const dressed = rotatingCodeText(body, phoneKey.signSync(concatBytes(SIGNATURE_DOMAIN.rotatingCode, body)));
    expect(reasonOf(dressed)).toBe("not_device_bound");
  });

  it("refuse every single-byte change, with the reason of the field it hit", () => {
    const { body, signature } = bodyAndSignature();
    const bytes = concatBytes(body, signature);
    const layout = codeLayout(bound.bytes.length);
    const allowed: Record<string, RotatingCodeRejection[]> = {
      version: ["unsupported_version"],
      voucherLength: ["malformed"],
      // The voucher's own rules first (its issuer's signature covers it), then the phone's.
      voucher: ["malformed", "unsupported_version", "unsupported_algorithm", "unknown_key", "bad_signature"],
      slotStart: ["malformed", "bad_device_signature"],
      period: ["malformed", "bad_device_signature"],
      counter: ["bad_device_signature"],
      signature: ["bad_device_signature"],
    };
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (offset, xor) => {
        const mutated = bytes.slice();
        mutated[offset]! ^= xor;
        const reason = reasonOf(ROTATING_CODE_TEXT_PREFIX + base45Encode(mutated));
        expect(allowed[fieldAt(layout, offset)], `byte ${offset} (${fieldAt(layout, offset)})`).toContain(reason);
      }),
      { numRuns: 1500 },
    );
  });

  it("refuse every truncation, and never throw on random text", () => {
    const { body, signature } = bodyAndSignature();
    const bytes = concatBytes(body, signature);
    for (let length = 0; length < bytes.length; length++)
      expect(reasonOf(ROTATING_CODE_TEXT_PREFIX + base45Encode(bytes.subarray(0, length)))).toBe("malformed");
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (text) => {
        expect(reasonOf(`${ROTATING_CODE_TEXT_PREFIX}${text}`)).not.toBe("accepted");
      }),
      { numRuns: 300 },
    );
    expect(reasonOf(`${ROTATING_CODE_TEXT_PREFIX}${"A".repeat(10_000_000)}`)).toBe("malformed");
  });

  it("leave in the sale record what lets the ground check the phone's signature, and nothing less", async () => {
    const result = verifyRotatingCode(await codeText(), context());
    if (!result.ok) throw new Error(result.detail);
    const { slotStartMs, periodS, counter, signature } = result.code;
    const presentation = { slotStartMs, periodS, counter, signature };
    expect(presentationHolds(bound.bytes, presentation)).toBe(true);
    expect(presentationHolds(bound.bytes, { ...presentation, counter: counter + 1 })).toBe(false);
    expect(presentationHolds(bound.bytes, { ...presentation, slotStartMs: slotStartMs + 30_000 })).toBe(false);
    expect(presentationHolds(issue({ devicePublicKey: createPortableDeviceSigner().publicKey }).bytes, presentation)).toBe(false);
    expect(presentationHolds(issue().bytes, presentation)).toBe(false);
    // The record's rule: a phone-bound voucher's sale carries its code, a printed one's none.
    const [sale] = chain(1);
    const { formatVersion: _v, totalMinor: _t, hash: _h, signature: _s, bytes: _b, ...draft } = sale!;
    expect(() => createRecord({ ...draft, voucherBytes: bound.bytes }, terminalKey)).toThrow(/exactly when/);
    expect(() => createRecord({ ...draft, presentation }, terminalKey)).toThrow(/exactly when/);
    const paid = createRecord({ ...draft, voucherBytes: bound.bytes, presentation }, terminalKey);
    const decoded = decodeRecord(paid.bytes);
    expect(decoded.ok && decoded.record.presentation).toEqual(presentation);
  });

  it("fit a QR code of version 12 at level M for a typical voucher, 13 for the largest", async () => {
    const version = (text: string) => QRCode.create(text, { errorCorrectionLevel: "M" }).version;
    expect(version(await codeText())).toBeLessThanOrEqual(12);
    const largest = issue({
      passengerName: "W".repeat(48),
      seat: "101K",
      flight: { carrier: "CCA", number: "9999A", date: FLIGHT.date },
      devicePublicKey: phoneKey.publicKey,
    });
    const text = await makeRotatingCode(largest.bytes, { ...slot, counter: 0xffff_ffff }, phoneKey);
    expect(text.length).toBeLessThanOrEqual(452);
    expect(version(text)).toBeLessThanOrEqual(13);
  });
});
