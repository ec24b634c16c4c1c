import {
  base45Encode,
  createTrustList,
  decodeVoucherText,
  issueVoucher,
  LIMITS,
  money,
  nobleVerifier,
  VOUCHER_REJECTIONS,
  type VoucherContext,
  type VoucherRejection,
  verifyVoucher,
} from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import fc from "fast-check";
import QRCode from "qrcode";
import { describe, expect, it } from "vitest";
import { DEPARTURE_MS, FLIGHT, HOUR_MS, issue, issuerKey, phoneKey, voucherClaims } from "./support/fixtures.js";
import { fieldAt, voucherLayout } from "./support/layout.js";

const nodeVerifier = createNodeVerifier();

function context(overrides: Partial<VoucherContext> = {}): VoucherContext {
  return {
    trustList: createTrustList([issuerKey.publicKey]),
    revokedIds: new Set(),
    flight: FLIGHT,
    nowMs: DEPARTURE_MS + HOUR_MS,
    clockToleranceMs: 5 * 60_000,
    verifier: nodeVerifier,
    ...overrides,
  };
}

function reasonOf(text: string, ctx: VoucherContext = context()): VoucherRejection | "accepted" {
  const result = verifyVoucher(text, ctx);
  return result.ok ? "accepted" : result.reason;
}

const textOf = (bytes: Uint8Array) => `CP2:${base45Encode(bytes)}`;

describe("vouchers", () => {
  it("round-trip every claim through the QR text, with either verifier", () => {
    const claims = voucherClaims();
    const { text } = issue();
    expect(text.startsWith("CP2:")).toBe(true);
    for (const verifier of [nobleVerifier, nodeVerifier]) {
      const result = verifyVoucher(text, context({ verifier }));
      if (!result.ok) throw new Error(result.detail);
      const { voucher } = result;
      expect(voucher).toMatchObject({ ...claims, issuerKeyId: issuerKey.keyId, formatVersion: 2 });
      expect(voucher.devicePublicKey).toBeUndefined();
    }
    const noSeat = issueVoucher({ ...claims, seat: undefined as never }, issuerKey);
    const decoded = decodeVoucherText(noSeat.text);
    expect(decoded.ok && decoded.voucher.seat).toBe(undefined);
  });

  it("carry Chinese names in UTF-8", () => {
    const { text } = issue({ passengerName: "张伟明" });
    const result = verifyVoucher(text, context());
    expect(result.ok && result.voucher.passengerName).toBe("张伟明");
  });

  it("accept what hardware scanners add around the text (CR, LF, spaces)", () => {
    expect(reasonOf(`${issue().text}\r\n`)).toBe("accepted");
  });

  it("refuse bad claims at issue time", () => {
    expect(() => issue({ cap: money(0, "CNY") })).toThrow(/invalid_argument/);
    expect(() => issue({ cap: money(LIMITS.voucherCapMinorMax + 1, "CNY") })).toThrow(/invalid_argument/);
    expect(() => issue({ validFromMs: DEPARTURE_MS + 1 })).toThrow(/whole seconds/);
    expect(() => issue({ validUntilMs: DEPARTURE_MS - 48 * HOUR_MS })).toThrow(/before/);
    expect(() => issue({ validUntilMs: DEPARTURE_MS + 30 * 24 * HOUR_MS })).toThrow(/too long/);
    expect(() => issue({ passengerName: "A".repeat(LIMITS.passengerNameBytesMax + 1) })).toThrow(/invalid_argument/);
    expect(() => issue({ passengerName: "EVIL\u202ETXT" })).toThrow(/printable/);
    expect(() => issue({ seat: "ROW5" })).toThrow(/seat/);
  });

  it("apply the clock tolerance at both ends of the window", () => {
    const { text } = issue();
    const { validFromMs, validUntilMs } = voucherClaims();
    expect(reasonOf(text, context({ nowMs: validFromMs - 5 * 60_000 }))).toBe("accepted");
    expect(reasonOf(text, context({ nowMs: validUntilMs + 5 * 60_000 }))).toBe("accepted");
    expect(reasonOf(text, context({ nowMs: validFromMs - 5 * 60_000 - 1 }))).toBe("not_yet_valid");
    expect(reasonOf(text, context({ nowMs: validUntilMs + 5 * 60_000 + 1 }))).toBe("expired");
  });

  it.each([
    ["printed (no device key)", {}],
    ["bound to a phone", { devicePublicKey: phoneKey.publicKey }],
  ])("refuse any single-byte change with the reason of the field it hit: %s", (_kind, extra) => {
    const claims = voucherClaims(extra);
    const { bytes } = issue(extra);
    const layout = voucherLayout(claims);
    const allowed: Record<string, VoucherRejection[]> = {
      // Another version is another layout, or differs from the text's prefix.
      version: ["unsupported_version", "malformed"],
      algorithm: ["unsupported_algorithm"],
      keyId: ["unknown_key"],
      voucherId: ["bad_signature"],
      accountRef: ["bad_signature"],
      signature: ["bad_signature"],
      // Fields with structure may no longer decode; otherwise the signature catches them.
      flight: ["malformed", "bad_signature"],
      cap: ["malformed", "bad_signature"],
      currency: ["malformed", "bad_signature"],
      validFrom: ["malformed", "bad_signature"],
      validUntil: ["malformed", "bad_signature"],
      name: ["malformed", "bad_signature"],
      seat: ["malformed", "bad_signature"],
      // A length other than 0 or 33, or 33 bytes that are no point on the curve; else the signature.
      deviceKey: ["malformed", "bad_signature"],
    };
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (offset, xor) => {
        const mutated = bytes.slice();
        mutated[offset]! ^= xor;
        expect(allowed[fieldAt(layout, offset)]).toContain(reasonOf(textOf(mutated)));
      }),
      { numRuns: 2000 },
    );
  });

  it("refuse every truncation as malformed, in bytes and in text", () => {
    const { bytes, text } = issue();
    for (let length = 0; length < bytes.length; length++) expect(reasonOf(textOf(bytes.subarray(0, length)))).toBe("malformed");
    for (let length = 0; length < text.length; length++) expect(reasonOf(text.slice(0, length))).not.toBe("accepted");
  });

  it("refuse any single-character change of the text", () => {
    const { text } = issue();
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.string({ minLength: 1, maxLength: 1, unit: "binary" }), (at, ch) => {
        fc.pre(text[at] !== ch);
        expect(reasonOf(text.slice(0, at) + ch + text.slice(at + 1))).not.toBe("accepted");
      }),
      { numRuns: 1000 },
    );
  });

  it("never throw on random input, and bound the work by the input limit", () => {
    const alphabet = fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:");
    const inputs = fc.oneof(
      fc.string({ maxLength: 500, unit: "binary" }),
      fc.string({ unit: alphabet, maxLength: 400 }).map((s) => `CP1:${s}`),
      fc.uint8Array({ maxLength: 260 }).map((b) => textOf(b)),
      fc.uint8Array({ maxLength: 260 }).map((b) => textOf(Uint8Array.from([1, 1, ...b]))),
    );
    fc.assert(
      fc.property(inputs, (input) => {
        expect(VOUCHER_REJECTIONS).toContain(reasonOf(input));
      }),
      { numRuns: 3000 },
    );
    const huge = `CP1:${"A".repeat(10_000_000)}`;
    expect(verifyVoucher(huge, context())).toMatchObject({ ok: false, reason: "malformed", detail: "not a voucher (length)" });
  });

  describe("as QR codes", () => {
    // Level M: see docs/protocol.md ("QR error correction") for why not Q.
    const qrOf = (text: string) => QRCode.create(text, { errorCorrectionLevel: "M" });

    it("fit version 10 or lower at level M for a typical registration, in alphanumeric mode", () => {
      const { text } = issue(); // 20-character name and a seat
      const qr = qrOf(text);
      expect(qr.version).toBeLessThanOrEqual(10);
      expect(qr.segments.map((s) => s.mode.id)).toEqual(["Alphanumeric"]);
    });

    it("fit version 10 or lower at level M for the largest voucher the layout allows", () => {
      const { text } = issue({
        flight: { carrier: "CCA", number: "9999A", date: "2026-12-01" },
        passengerName: "W".repeat(LIMITS.passengerNameBytesMax),
        seat: "101K",
        cap: money(LIMITS.voucherCapMinorMax, "CNY"),
      });
      expect(text.length).toBeLessThanOrEqual(LIMITS.voucherTextCharsMax);
      expect(qrOf(text).version).toBeLessThanOrEqual(10);
    });
  });
});
