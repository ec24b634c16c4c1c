import { bytesToUuid, createUuidV7Generator, isUuid, newId, uuidToBytes, uuidV7TimestampMs } from "@cabinpay/shared";
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
});
