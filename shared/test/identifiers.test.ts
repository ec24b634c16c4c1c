import { isCategory, isCrewId, isSku, isTrolleyId, LIMITS } from "@cabinpay/shared";
import { describe, expect, it } from "vitest";

describe("identifiers shared by manifests and records", () => {
  it("accept the sample data's forms", () => {
    expect(isSku("DF-PERF-001")).toBe(true);
    expect(isSku("ML.NOO.100")).toBe(true);
    expect(isCrewId("C1001")).toBe(true);
    expect(isTrolleyId("A")).toBe(true);
    expect(isCategory("duty_free")).toBe(true);
  });

  it("refuse spaces, dots outside skus, non-ASCII, empty and over-long values", () => {
    expect(isSku("DF PERF")).toBe(false);
    expect(isCrewId("C.1001")).toBe(false);
    expect(isTrolleyId("车A")).toBe(false);
    expect(isCategory("")).toBe(false);
    expect(isSku("S".repeat(LIMITS.skuBytesMax))).toBe(true);
    expect(isSku("S".repeat(LIMITS.skuBytesMax + 1))).toBe(false);
    expect(isTrolleyId("T".repeat(LIMITS.trolleyIdBytesMax + 1))).toBe(false);
  });
});
