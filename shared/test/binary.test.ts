/**
 * The byte reader's integers: what the writer writes reads back, and nothing past the safe integers
 * reads at all. The writer's fast paths (u64 in two halves, ASCII copied in) give exactly the bytes
 * of the plain encodings (a BigInt's, TextEncoder's), and refuse what they refused.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteReader, ByteWriter, DecodeError } from "../src/encoding/binary.js";
import { CabinPayError } from "../src/errors.js";

const u64Back = (value: number) => new ByteReader(new ByteWriter().u64(value).finish()).u64("value");

describe("u64", () => {
  it("reads back every safe integer the writer writes, at the edges of each 32-bit half", () => {
    for (const value of [0, 1, 0xffff_ffff, 0x1_0000_0000, 0x1_0000_0001, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]) {
      expect(u64Back(value)).toBe(value);
    }
    fc.assert(
      fc.property(fc.maxSafeNat(), (value) => {
        expect(u64Back(value)).toBe(value);
      }),
    );
  });

  it("refuses 2^53 and above, as a decode error", () => {
    const bytes = new Uint8Array(8);
    for (const high of [0x20_0000, 0xffff_ffff]) {
      new DataView(bytes.buffer).setUint32(0, high);
      expect(() => new ByteReader(bytes).u64("total")).toThrow(DecodeError);
    }
  });
});

describe("the writer's fast paths", () => {
  it("writes a u64 as the big-endian bytes of its BigInt", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (value) => {
        const reference = new Uint8Array(8);
        new DataView(reference.buffer).setBigUint64(0, BigInt(value));
        expect(new ByteWriter(8).u64(value).finish()).toEqual(reference);
      }),
    );
    for (const bad of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) expect(() => new ByteWriter().u64(bad)).toThrow(CabinPayError);
  });

  it("writes any text as its length and TextEncoder's UTF-8, ASCII or not, and refuses text over the limit", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80, unit: fc.oneof(fc.constant("a"), fc.string({ unit: "grapheme" })) }),
        fc.nat(255),
        (text, maxBytes) => {
          const utf8 = new TextEncoder().encode(text);
          if (utf8.length > maxBytes) {
            expect(() => new ByteWriter().str8(text, maxBytes)).toThrow(CabinPayError);
            return;
          }
          expect(new ByteWriter(1).str8(text, maxBytes).finish()).toEqual(Uint8Array.of(utf8.length, ...utf8));
        },
      ),
    );
    expect(() => new ByteWriter().str8("a", 256)).toThrow(CabinPayError);
  });

  it("grows past the capacity it was given, keeping every byte", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }), fc.nat(64), (parts, capacity) => {
        const writer = new ByteWriter(capacity);
        for (const part of parts) writer.bytes16(part, 0xffff);
        const reader = new ByteReader(writer.finish());
        for (const part of parts) expect(reader.bytes16("part", 0, 0xffff)).toEqual(part);
        reader.end("parts");
      }),
    );
  });
});

describe("skipping a text", () => {
  it("lands where reading it would, and holds its length to the same bounds", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.nat(255), (text, after) => {
        const bytes = new ByteWriter().str8(text, 255).u8(after).finish();
        const length = bytes[0]!;
        const skipped = new ByteReader(bytes);
        const read = new ByteReader(bytes);
        if (length < 2 || length > 30) {
          expect(() => skipped.skipStr8("text", 2, 30)).toThrow(DecodeError);
          expect(() => read.str8("text", 2, 30)).toThrow(DecodeError);
          return;
        }
        skipped.skipStr8("text", 2, 30);
        expect(read.str8("text", 2, 30)).toBe(text);
        expect(skipped.u8("after")).toBe(after);
      }),
    );
    expect(() => new ByteReader(Uint8Array.of(5, 65, 66)).skipStr8("text", 1, 10)).toThrow(/truncated/);
  });
});
