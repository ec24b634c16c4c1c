/**
 * The pure rules behind the web pages' forms: the cap a passenger types (no silent rounding, the
 * limit said), a roster's every problem at once, a departure typed in the origin's local time, and
 * a statement whose lines add up to what was debited.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { en } from "../web/src/i18n/en.js";
import { parseRoster } from "../web/src/ops/roster.js";
import { departureAtMs } from "../web/src/ops/wall-clock.js";
import { checkCap, quickCaps } from "../web/src/passenger/cap-input.js";
import { linesTotalMinor, statementLines } from "../web/src/passenger/statement-lines.js";

const limit = (minor: number) => `CN¥${(minor / 100).toFixed(2)}`;

describe("the cap field", () => {
  it("refuses more decimals than the currency has instead of rounding, and says the limit", () => {
    expect(checkCap("12.345", "CNY", 100_000, en, limit)).toEqual({ ok: false, problem: en.register.capTooManyDecimals(2) });
    expect(checkCap("1500", "CNY", 100_000, en, limit)).toEqual({ ok: false, problem: en.register.capOverLimit("CN¥1000.00") });
    expect(checkCap("abc", "CNY", 100_000, en, limit)).toEqual({ ok: false, problem: en.register.capNotANumber });
    expect(checkCap("0", "CNY", 100_000, en, limit)).toEqual({ ok: false, problem: en.register.capZero });
    expect(checkCap("", "CNY", 100_000, en, limit)).toEqual({ ok: false, problem: undefined });
    expect(checkCap("12.34", "CNY", 100_000, en, limit)).toEqual({ ok: true, capMinor: 1_234 });
    expect(checkCap("３００", "CNY", 100_000, en, limit)).toEqual({ ok: true, capMinor: 30_000 });
    expect(checkCap("300.5", "JPY", 100_000, en, limit)).toEqual({ ok: false, problem: en.register.capTooManyDecimals(0) });
  });

  it("accepts exactly the amounts from one unit to the limit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 5_000_000 }), (minor, limitMinor) => {
        const text = `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
        const checked = checkCap(text, "CNY", limitMinor, en, limit);
        expect(checked.ok).toBe(minor > 0 && minor <= limitMinor);
        if (checked.ok) expect(checked.capMinor).toBe(minor);
      }),
    );
  });

  it("offers quick amounts only under the limit", () => {
    expect(quickCaps("CNY", 100_000)).toEqual([10_000, 20_000, 50_000, 100_000]);
    expect(quickCaps("CNY", 25_000)).toEqual([10_000, 20_000]);
    expect(quickCaps("JPY", 1_000)).toEqual([100, 200, 500, 1_000]);
    expect(quickCaps("CNY", 5_000)).toEqual([]);
  });
});

describe("the roster", () => {
  it("lists every line's problem at once, and takes the good lines", () => {
    const { entries, problems } = parseRoster(
      [
        "C1001, Li Na, purser, 2468",
        "C1002, Wang Fang, crew",
        "C1003, Zhao Lei, captain, 1111",
        "C1004, Sun Li, crew, 12",
        "C1001, Again, crew, 1234",
        "",
        "C 5, X, crew, 1234",
      ].join("\n"),
    );
    expect(entries).toEqual([{ crewId: "C1001", name: "Li Na", role: "purser", pin: "2468" }]);
    expect(problems).toEqual([
      { line: 2, problem: "fields" },
      { line: 3, problem: "role" },
      { line: 4, problem: "pin" },
      { line: 5, problem: "duplicate" },
      { line: 7, problem: "crew_id" },
    ]);
  });
});

describe("a departure typed in the origin's local time", () => {
  it("is the same instant whatever zone the browser is in", () => {
    expect(departureAtMs("2026-12-01T07:25", "PVG")).toBe(Date.parse("2026-12-01T07:25+08:00"));
    expect(departureAtMs("2026-12-02T09:05", "NRT")).toBe(Date.parse("2026-12-02T09:05+09:00"));
    expect(departureAtMs("2026-12-02T09:05", "ZZZ")).toBe(Date.parse("2026-12-02T09:05Z"));
    expect(departureAtMs("tomorrow", "PVG")).toBeUndefined();
  });
});

describe("the statement", () => {
  it("lists a sale, its void and a refund with signs that add up to what was debited", () => {
    const purchase = (kind: string, debitedMinor: number, refundedMinor: number, settlement = "debited") => ({
      recordId: crypto.randomUUID(),
      recordHash: "0".repeat(64),
      kind,
      reason: kind === "sale" ? null : ("wrong_item" as const),
      atMs: 0,
      items: [],
      totalMinor: 0,
      settlement,
      debitedMinor,
      refundedMinor,
    });
    const registration = {
      registrationId: crypto.randomUUID(),
      flight: { carrier: "9C", number: "8850", date: "2026-12-01", origin: "PVG", destination: "CTU" },
      flightLandedAtMs: 1,
      currency: "CNY",
      saleCurrency: "CNY",
      rate: null,
      capMinor: 20_000,
      status: "active",
      purchases: [
        purchase("sale", 3_700, 0),
        purchase("sale", 1_200, 0),
        purchase("void", 0, 1_200, "reversed"),
        purchase("refund", 0, 500, "reversed"),
      ],
      debitedMinor: 3_700 + 1_200 - 1_200 - 500,
      holdReleasedMinor: 20_000 - 3_200,
      releasedAtMs: 1,
    };
    const lines = statementLines(registration);
    expect(lines.map((l) => l.signedMinor)).toEqual([3_700, 1_200, -1_200, -500]);
    expect(linesTotalMinor(lines)).toBe(registration.debitedMinor);
  });
});
