import { BASE45_ALPHABET, base45Decode, base45Encode } from "@cabinpay/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const text = (s: string) => new TextEncoder().encode(s);

describe("base45 (RFC 9285)", () => {
  it.each([
    ["AB", "BB8"],
    ["Hello!!", "%69 VD92EX0"],
    ["base-45", "UJCLQE7W581"],
    ["ietf!", "QED8WEX0"],
  ])("encodes the RFC example %j as %j", (input, encoded) => {
    expect(base45Encode(text(input))).toBe(encoded);
    expect(base45Decode(encoded)).toEqual(text(input));
  });

  it("round-trips any bytes and uses only the QR alphanumeric alphabet", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const encoded = base45Encode(bytes);
        expect([...encoded].every((ch) => BASE45_ALPHABET.includes(ch))).toBe(true);
        expect(base45Decode(encoded)).toEqual(bytes);
      }),
    );
  });

  it.each([
    ["a dangling single character", "BB8A"],
    ["a character outside the alphabet", "bb8"],
    ["a triple above 65535 (RFC 9285 §4)", "GGW"],
    ["a pair above 255", "::"],
    ["non-ASCII", "BB€"],
  ])("refuses %s", (_what, encoded) => {
    expect(base45Decode(encoded)).toBeUndefined();
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "binary" }), (input) => {
        const decoded = base45Decode(input);
        if (decoded !== undefined) expect(base45Encode(decoded)).toBe(input);
      }),
    );
  });
});
