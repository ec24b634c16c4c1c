/** The byte reader's integers: what the writer writes reads back, and nothing past the safe integers reads at all. */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteReader, ByteWriter, DecodeError } from "../src/encoding/binary.js";

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
