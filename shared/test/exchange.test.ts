import { convertMinor, describeRate, type ExchangeRate, money, RATE_MICROS_MAX, signManifest, verifyManifest } from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEPARTURE_MS, HOUR_MS, manifestContent, manifestKey } from "./support/fixtures.js";

const cny = (rateMicros: number): ExchangeRate => ({ currency: "CNY", rateMicros, source: "treasury" });
const hkd = (amountMinor: number) => money(amountMinor, "HKD");

describe("converting a sale into the account's currency", () => {
  it("rounds half up to the account's minor unit, and says so in words", () => {
    expect(convertMinor(hkd(1), cny(500_000))).toEqual(money(1, "CNY"));
    expect(convertMinor(hkd(1), cny(499_999))).toEqual(money(0, "CNY"));
    // HK$100.00 at 0.9123: CN¥91.23; HK$0.05 → 4.5615 fen → 5 fen.
    expect(convertMinor(hkd(10_000), cny(912_300)).amountMinor).toBe(9_123);
    expect(convertMinor(hkd(5), cny(912_300)).amountMinor).toBe(5);
    // Yen have no minor unit: at 48.5 fen (0.485 CNY) per yen, ¥1,000 is 48,500 fen.
    expect(convertMinor(money(1_000, "JPY"), cny(48_500_000)).amountMinor).toBe(48_500);
    expect(describeRate("HKD", cny(912_300))).toBe("1 HKD = 0.9123 CNY");
    expect(describeRate("JPY", cny(48_500_000))).toBe("1 JPY = 0.485 CNY");
  });

  it("is within half a minor unit of the exact product, monotonic, and off by at most one when split", () => {
    const amount = fc.integer({ min: 0, max: 10_000_000_000 });
    const rate = fc.integer({ min: 1, max: 100_000_000 });
    fc.assert(
      fc.property(amount, amount, rate, (a, b, rateMicros) => {
        const convert = (x: number) => convertMinor(hkd(x), cny(rateMicros)).amountMinor;
        const exact = BigInt(a) * BigInt(rateMicros);
        const error = BigInt(convert(a)) * 1_000_000n - exact;
        expect(error >= -500_000n && error < 500_000n).toBe(true);
        if (a <= b) expect(convert(a)).toBeLessThanOrEqual(convert(b));
        expect(Math.abs(convert(a) + convert(b) - convert(a + b))).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("refuses a rate out of range, a negative amount, and a result beyond the safe integers", () => {
    expect(() => convertMinor(hkd(1), cny(0))).toThrow(/rateMicros/);
    expect(() => convertMinor(hkd(1), cny(RATE_MICROS_MAX + 1))).toThrow(/rateMicros/);
    expect(() => convertMinor(hkd(-1), cny(1_000_000))).toThrow(/0 or more/);
    expect(() => convertMinor(hkd(Number.MAX_SAFE_INTEGER), cny(RATE_MICROS_MAX))).toThrow(/amount_overflow/);
  });

  it("travel in the signed manifest, one per other currency", () => {
    const context = {
      manifestKey: manifestKey.publicKey,
      verifier: createNodeVerifier(),
      nowMs: DEPARTURE_MS - HOUR_MS,
      clockToleranceMs: 0,
    };
    const hkdFlight = manifestContent({
      currency: "HKD",
      rates: [cny(912_300), { currency: "USD", rateMicros: 128_000, source: "treasury" }],
    });
    const result = verifyManifest(signManifest(hkdFlight, manifestKey).bytes, context);
    if (!result.ok) throw new Error(result.detail);
    expect(result.manifest.rates).toEqual([cny(912_300), { currency: "USD", rateMicros: 128_000, source: "treasury" }]);
    const sign = (rates: ExchangeRate[]) => () => signManifest(manifestContent({ currency: "HKD", rates }), manifestKey);
    expect(sign([cny(1), cny(2)])).toThrow(/one rate per currency/);
    expect(sign([{ currency: "HKD", rateMicros: 1_000_000, source: "x" }])).toThrow(/another supported currency/);
    expect(sign([cny(0)])).toThrow(/micros/);
  });
});
