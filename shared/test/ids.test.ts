import { bytesToUuid, createUuidV7Generator, isUuid, newId, toHex, uuidToBytes, uuidV7TimestampMs } from "@cabinpay/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("UUIDv7 ids", () => {
  it("are RFC 9562 version 7 with the creation time", () => {
    const before = Date.now();
    const id = newId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV7TimestampMs(id)).toBeGreaterThanOrEqual(before);
    expect(uuidV7TimestampMs(id)).toBeLessThanOrEqual(Date.now());
  });

  it("sort in creation order within one millisecond, past a full counter", () => {
    const generate = createUuidV7Generator({ nowMs: () => 1_764_000_000_000 });
    const ids = Array.from({ length: 10_000 }, generate);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("never go backwards when the clock does", () => {
    let now = 1_764_000_000_000;
    const generate = createUuidV7Generator({ nowMs: () => now });
    const first = generate();
    now -= 60_000;
    const second = generate();
    expect(second > first).toBe(true);
    expect(uuidV7TimestampMs(second)).toBe(1_764_000_000_000);
  });

  it("convert to and from 16 bytes", () => {
    const id = newId();
    expect(bytesToUuid(uuidToBytes(id))).toBe(id);
    expect(isUuid(id.toUpperCase())).toBe(false);
    expect(() => uuidToBytes("not-a-uuid")).toThrow(/invalid_argument/);
    expect(uuidV7TimestampMs("0193c000-0000-4000-8000-000000000000")).toBeUndefined();
  });

  it("read in place from a longer buffer, never past its end", () => {
    const id = newId();
    const buffer = new Uint8Array(20);
    buffer.set(uuidToBytes(id), 3);
    expect(bytesToUuid(buffer, 3)).toBe(id);
    expect(bytesToUuid(uuidToBytes(id), 0)).toBe(id);
    expect(() => bytesToUuid(buffer, 5)).toThrow(/invalid_argument/);
    expect(() => bytesToUuid(buffer, -1)).toThrow(/invalid_argument/);
    expect(() => bytesToUuid(buffer)).toThrow(/invalid_argument/);
  });

  it("are the same text as the bytes' hex, for any bytes, and read back to them", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const hex = toHex(bytes);
        expect(bytesToUuid(bytes)).toBe(
          `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
        );
        expect(hex).toBe(Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""));
        expect(uuidToBytes(bytesToUuid(bytes))).toEqual(bytes);
      }),
    );
  });
});
