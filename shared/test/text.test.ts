import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeText, textProblem } from "../src/index.js";

describe("the text rule", () => {
  it("refuses NUL, every other control character and lone surrogates", () => {
    for (const bad of ["\u0000", "a\u0000b", "Li\nNa", "\t", "\u007f", "\u0085", "\u009f"])
      expect(textProblem(bad)).toBe("control_character");
    for (const bad of ["\ud800", "a\udc00", "\udbff\ud800x"]) expect(textProblem(bad)).toBe("not_well_formed");
  });

  it("takes names in any script, emoji included", () => {
    for (const good of ["", "ZHANG/WEIMING MR", "李娜", "Zoë O'Brien-Núñez", "飞行员手表 🛩️", "ü\u0301"])
      expect(textProblem(good)).toBeUndefined();
  });

  it("stores one form of each text: NFC, and normalising twice changes nothing", () => {
    expect(normalizeText("e\u0301")).toBe("\u00e9");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (value) => {
        const once = normalizeText(value);
        expect(normalizeText(once)).toBe(once);
      }),
    );
  });

  it("finds a control character wherever it is in any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.integer({ min: 0, max: 0x1f }), fc.nat(), (value, control, at) => {
        const position = at % (value.length + 1);
        const bad = value.slice(0, position) + String.fromCharCode(control) + value.slice(position);
        expect(textProblem(bad)).toBeDefined();
      }),
    );
  });
});
