import {
  AMOUNT_PARSE_REJECTIONS,
  addMoney,
  CabinPayError,
  CURRENCY_CODES,
  compareMoney,
  formatMoney,
  minorUnitsOf,
  money,
  multiplyMoney,
  parseAmount,
  subtractMoney,
  sumMoney,
  toDecimalString,
} from "@cabinpay/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof CabinPayError) return error.code;
    throw error;
  }
  return undefined;
}

describe("money", () => {
  it("knows the minor units of the currencies an airline sells in", () => {
    for (const code of ["CNY", "HKD", "SGD", "THB", "USD", "EUR", "GBP", "AUD"]) expect(minorUnitsOf(code)).toBe(2);
    expect(minorUnitsOf("JPY")).toBe(0);
    expect(minorUnitsOf("KRW")).toBe(0);
    expect(minorUnitsOf("KWD")).toBe(3);
    // The table agrees with the runtime's own ISO 4217 data wherever the runtime has it.
    for (const code of CURRENCY_CODES) {
      const digits = new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits;
      if (code !== "IDR" && code !== "VND") expect(minorUnitsOf(code), code).toBe(digits);
    }
  });

  it("refuses unknown currencies, fractional and unsafe amounts", () => {
    expect(codeOf(() => money(100, "XXX"))).toBe("unknown_currency");
    expect(codeOf(() => money(100, "cny"))).toBe("unknown_currency");
    expect(codeOf(() => money(1.5, "CNY"))).toBe("invalid_amount");
    expect(codeOf(() => money(Number.NaN, "CNY"))).toBe("invalid_amount");
    expect(codeOf(() => money(2 ** 53, "CNY"))).toBe("invalid_amount");
  });

  it("adds, subtracts and multiplies exactly, refusing currency mixes and overflow", () => {
    expect(addMoney(money(4800, "CNY"), money(2000, "CNY"))).toEqual(money(6800, "CNY"));
    expect(subtractMoney(money(4800, "CNY"), money(6800, "CNY"))).toEqual(money(-2000, "CNY"));
    expect(multiplyMoney(money(68000, "CNY"), 3)).toEqual(money(204000, "CNY"));
    expect(codeOf(() => addMoney(money(1, "CNY"), money(1, "HKD")))).toBe("currency_mismatch");
    expect(codeOf(() => compareMoney(money(1, "CNY"), money(1, "JPY")))).toBe("currency_mismatch");
    expect(codeOf(() => addMoney(money(Number.MAX_SAFE_INTEGER, "CNY"), money(1, "CNY")))).toBe("amount_overflow");
    expect(codeOf(() => multiplyMoney(money(2 ** 40, "CNY"), 2 ** 14))).toBe("amount_overflow");
    expect(codeOf(() => multiplyMoney(money(100, "CNY"), 1.5))).toBe("invalid_argument");
  });

  it("sums like integers for any list of safe amounts, or reports overflow", () => {
    fc.assert(
      fc.property(fc.array(fc.maxSafeInteger(), { maxLength: 20 }), (amounts) => {
        const exact = amounts.reduce((total, a) => total + BigInt(a), 0n);
        // Partial sums may leave the range even when the total does not: then overflow is right too.
        let partialOverflow = false;
        let running = 0n;
        for (const a of amounts) {
          running += BigInt(a);
          if (running > BigInt(Number.MAX_SAFE_INTEGER) || running < BigInt(Number.MIN_SAFE_INTEGER)) partialOverflow = true;
        }
        const code = codeOf(() =>
          sumMoney(
            amounts.map((a) => money(a, "USD")),
            "USD",
          ),
        );
        if (partialOverflow) expect(code).toBe("amount_overflow");
        else
          expect(
            sumMoney(
              amounts.map((a) => money(a, "USD")),
              "USD",
            ).amountMinor,
          ).toBe(Number(exact));
      }),
    );
  });

  it("formats exactly through Intl, even at the top of the safe range", () => {
    // ICU chooses between spaces and no-break spaces; the digits and symbols are what matter.
    const format = (amountMinor: number, currency: string, locale: string) =>
      formatMoney(money(amountMinor, currency), locale).replace(/\s/g, " ");
    expect(format(128000, "CNY", "en-US")).toBe("CN¥1,280.00");
    expect(format(128000, "CNY", "zh-CN")).toBe("¥1,280.00");
    expect(format(1500, "JPY", "ja-JP")).toBe("￥1,500");
    expect(format(-1234, "KWD", "en-US")).toBe("-KWD 1.234");
    expect(format(Number.MAX_SAFE_INTEGER, "USD", "en-US")).toBe("$90,071,992,547,409.91");
    expect(toDecimalString(money(5, "CNY"))).toBe("0.05");
    expect(toDecimalString(money(-5, "KWD"))).toBe("-0.005");
  });

  it("parses what crew and passengers type", () => {
    const ok = (text: string, currency: string) => {
      const result = parseAmount(text, currency);
      if (!result.ok) throw new Error(`${text}: ${result.reason}`);
      return result.amountMinor;
    };
    expect(ok("12", "CNY")).toBe(1200);
    expect(ok("12.5", "CNY")).toBe(1250);
    expect(ok(" 1,280.00 ", "CNY")).toBe(128000);
    expect(ok(".5", "CNY")).toBe(50);
    expect(ok("CNY 12.50", "CNY")).toBe(1250);
    expect(ok("12.50 cny", "CNY")).toBe(1250);
    expect(ok("１２．５", "CNY")).toBe(1250);
    expect(ok("1500", "JPY")).toBe(1500);
    expect(ok("0.125", "KWD")).toBe(125);
    expect(ok("90071992547409.91", "USD")).toBe(Number.MAX_SAFE_INTEGER);
    const reason = (text: string, currency = "CNY") => {
      const result = parseAmount(text, currency);
      return result.ok ? "ok" : result.reason;
    };
    expect(reason("")).toBe("empty");
    expect(reason("CNY")).toBe("empty");
    expect(reason("-5")).toBe("not_a_number");
    expect(reason("1e3")).toBe("not_a_number");
    expect(reason("12,34")).toBe("not_a_number");
    expect(reason("NaN")).toBe("not_a_number");
    expect(reason("12.345")).toBe("too_many_decimals");
    expect(reason("12.5", "JPY")).toBe("too_many_decimals");
    expect(reason("90071992547409.92", "USD")).toBe("too_large");
    expect(reason("9".repeat(33))).toBe("too_long");
  });

  it("parses back every amount it formats as a decimal, for every currency", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CURRENCY_CODES), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (currency, amountMinor) => {
        const result = parseAmount(toDecimalString(money(amountMinor, currency)), currency);
        expect(result).toEqual({ ok: true, amountMinor });
      }),
    );
  });

  it("answers every text with an amount or a catalogued reason, never a throw", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const result = parseAmount(text, "CNY");
        if (result.ok) expect(Number.isSafeInteger(result.amountMinor) && result.amountMinor >= 0).toBe(true);
        else expect(AMOUNT_PARSE_REJECTIONS).toContain(result.reason);
      }),
    );
  });
});
