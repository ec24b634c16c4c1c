import { scryptSync } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  checkPin,
  createPinVerifier,
  fromHex,
  LIMITS,
  MANIFEST_FORMAT_VERSION,
  MANIFEST_READABLE_VERSIONS,
  MANIFEST_REJECTIONS,
  type ManifestContext,
  type ManifestRejection,
  type ManifestRotation,
  nobleVerifier,
  PIN_COST_DEFAULT,
  signManifest,
  verifyManifest,
} from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  crewMember,
  DEPARTURE_MS,
  FLIGHT,
  HOUR_MS,
  manifestContent,
  manifestKey,
  sampleCatalog,
  TEST_PIN_COST,
} from "./support/fixtures.js";

const context: ManifestContext = {
  manifestKey: manifestKey.publicKey,
  verifier: createNodeVerifier(),
  nowMs: DEPARTURE_MS - HOUR_MS,
  clockToleranceMs: 5 * 60_000,
  flight: FLIGHT,
};
const signed = signManifest(manifestContent(), manifestKey);

function reasonOf(bytes: Uint8Array, ctx: ManifestContext = context): ManifestRejection | "accepted" {
  const result = verifyManifest(bytes, ctx);
  return result.ok ? "accepted" : result.reason;
}

describe("flight manifests", () => {
  it("carry the sample catalog with Chinese names, two trolleys, keys, revocations and crew", () => {
    for (const verifier of [nobleVerifier, context.verifier]) {
      const result = verifyManifest(signed.bytes, { ...context, verifier });
      if (!result.ok) throw new Error(result.detail);
      const { manifest } = result;
      expect(manifest.catalog).toHaveLength(sampleCatalog().length);
      const perfume = manifest.catalog.find((item) => item.sku === "DF-PERF-001");
      expect(perfume).toEqual({
        sku: "DF-PERF-001",
        category: "duty_free",
        nameEn: "Eau de Parfum 50 ml",
        nameZh: "淡香精 50毫升",
        priceMinor: 68000,
        stockByTrolley: { A: 6, B: 4 },
      });
      expect(manifest).toMatchObject({ flight: FLIGHT, currency: "CNY", trolleys: ["A", "B"], signingKeyId: manifestKey.keyId });
      expect(manifest.crew.map((c) => [c.crewId, c.role])).toEqual([
        ["C1001", "purser"],
        ["C1002", "crew"],
      ]);
      expect(checkPin("2468", manifest.crew[0]!.pinVerifier)).toBe(true);
    }
  });

  it("have one encoding whatever order the lists come in", () => {
    const content = manifestContent();
    const shuffled = { ...content, catalog: [...content.catalog].reverse(), crew: [...content.crew].reverse() };
    expect(signManifest(shuffled, manifestKey).bytes).toEqual(signed.bytes);
  });

  it("refuse content that breaks a rule at signing", () => {
    const content = manifestContent();
    const item = content.catalog[0]!;
    const sign = (overrides: Parameters<typeof manifestContent>[0]) => () => signManifest(manifestContent(overrides), manifestKey);
    expect(sign({ catalog: [item, item] })).toThrow(/skus unique/);
    expect(sign({ catalog: [{ ...item, stockByTrolley: { A: 1 } }] })).toThrow(/names every trolley/);
    expect(sign({ catalog: [{ ...item, stockByTrolley: { A: 1, B: -1 } }] })).toThrow(/stock of/);
    expect(sign({ catalog: [{ ...item, priceMinor: 1.5 }] })).toThrow(/price/);
    expect(sign({ crew: [] })).toThrow(/crew/);
    const tooMany = Array.from({ length: LIMITS.manifestCrewMax + 1 }, (_, i) => ({ ...content.crew[0]!, crewId: `C${1000 + i}` }));
    expect(sign({ crew: tooMany })).toThrow(/limit_exceeded/);
    expect(sign({ trustedKeys: [] })).toThrow(/trusted keys/);
    expect(sign({ expiresAtMs: DEPARTURE_MS - 7 * HOUR_MS })).toThrow(/before/);
    expect(sign({ limits: { capMinorMax: 1, saleMinorMax: 1, saleLinesMax: 51 } })).toThrow(/saleLinesMax/);
  });

  it("carry a leg's place in its rotation, and whether its trolleys carry the stock over", () => {
    const rotationId = "0193c000-0000-7000-8000-0000000000aa";
    const carried = manifestContent({
      rotation: { rotationId, legNumber: 2, legCount: 3, stockCarried: true },
      catalog: manifestContent().catalog.map((item) => ({ ...item, stockByTrolley: { A: 0, B: 0 } })),
    });
    const result = verifyManifest(signManifest(carried, manifestKey).bytes, context);
    if (!result.ok) throw new Error(result.detail);
    expect(result.manifest.rotation).toEqual({ rotationId, legNumber: 2, legCount: 3, stockCarried: true });
    // A flight on its own has none.
    expect((verifyManifest(signed.bytes, context) as { manifest: { rotation?: unknown } }).manifest.rotation).toBeUndefined();
    const sign = (rotation: ManifestRotation) => () => signManifest(manifestContent({ rotation }), manifestKey);
    // A leg carrying stock over loads none of its own; the first leg always has its own.
    expect(sign({ rotationId, legNumber: 2, legCount: 3, stockCarried: true })).toThrow(/loads none/);
    expect(sign({ rotationId, legNumber: 1, legCount: 3, stockCarried: false })).not.toThrow();
    expect(() =>
      signManifest({ ...carried, rotation: { rotationId, legNumber: 1, legCount: 3, stockCarried: true } }, manifestKey),
    ).toThrow(/first leg/);
    expect(sign({ rotationId, legNumber: 4, legCount: 3, stockCarried: false })).toThrow(/leg number/);
    expect(sign({ rotationId, legNumber: 1, legCount: 9, stockCarried: false })).toThrow(/legs/);
  });

  it("read the manifests of every earlier version, signed as they were, so an updated terminal still opens what it stored", () => {
    const earlier = JSON.parse(readFileSync(new URL("./fixtures/manifests-earlier-versions.json", import.meta.url), "utf8")) as Record<
      string,
      {
        hex: string;
        context: { manifestKeyHex: string; nowMs: number; clockToleranceMs: number };
        expected: { manifestId: string; currency: string };
      }
    >;
    expect(Object.keys(earlier)).toEqual(MANIFEST_READABLE_VERSIONS.filter((version) => version < MANIFEST_FORMAT_VERSION).map(String));
    for (const [version, vector] of Object.entries(earlier)) {
      const result = verifyManifest(fromHex(vector.hex)!, {
        manifestKey: fromHex(vector.context.manifestKeyHex)!,
        verifier: context.verifier,
        nowMs: vector.context.nowMs,
        clockToleranceMs: vector.context.clockToleranceMs,
      });
      if (!result.ok) throw new Error(`v${version}: ${result.detail}`);
      expect(result.manifest).toMatchObject({ formatVersion: Number(version), manifestId: vector.expected.manifestId });
      // Before v4 a flight took printed vouchers: so it still does.
      expect(result.manifest.codePolicy).toBe("printed_accepted");
      // Before v5 every trolley allowed the cap and believed any terminal our ground certified.
      expect(result.manifest.spendPolicy).toBe("full");
      expect(result.manifest.cabinTerminals).toEqual([]);
      if (version !== "3") expect(result.manifest.rates).toEqual([]);
      if (version === "1") expect(result.manifest.rotation).toBeUndefined();
    }
  });

  it("carry the flight's spend policy and the terminals holding its trolleys, one per trolley of the flight", () => {
    const a = { terminalId: "0193c190-0000-7000-8000-0000000000a1", trolleyId: "A" };
    const b = { terminalId: "0193c190-0000-7000-8000-0000000000b2", trolleyId: "B" };
    const result = verifyManifest(
      signManifest(manifestContent({ spendPolicy: "share", cabinTerminals: [b, a] }), manifestKey).bytes,
      context,
    );
    if (!result.ok) throw new Error(result.detail);
    expect(result.manifest).toMatchObject({ spendPolicy: "share", cabinTerminals: [a, b], formatVersion: MANIFEST_FORMAT_VERSION });
    expect(signed.spendPolicy).toBe("full");
    expect(signed.cabinTerminals).toEqual([]);
    const sign = (cabinTerminals: { terminalId: string; trolleyId: string }[]) => () =>
      signManifest(manifestContent({ cabinTerminals }), manifestKey);
    expect(sign([{ ...a, trolleyId: "Z" }])).toThrow(/hold trolleys of the flight/);
    expect(sign([a, { ...b, trolleyId: "A" }])).toThrow(/one terminal per trolley/);
    expect(sign([a, a])).toThrow(/unique/);
    expect(sign([a, b, { terminalId: "0193c190-0000-7000-8000-0000000000c3", trolleyId: "A" }])).toThrow(/at most 2 cabin terminals/);
  });

  it("refuse a manifest over the size limit before decoding it", () => {
    expect(reasonOf(new Uint8Array(LIMITS.manifestBytesMax + 1))).toBe("too_large");
  });

  it("refuse any single-byte change with the reason of the part it hit", () => {
    const { bytes } = signed;
    const keyIdStart = bytes.length - 64 - 8;
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (offset, xor) => {
        const reason = reasonOf(Uint8Array.from(bytes, (b, i) => (i === offset ? b ^ xor : b)));
        // Into an older readable version, the layout no longer fits (or the signature fails).
        if (offset === 0)
          expect(
            MANIFEST_READABLE_VERSIONS.includes(MANIFEST_FORMAT_VERSION ^ xor) ? ["malformed", "bad_signature"] : ["unsupported_version"],
          ).toContain(reason);
        else if (offset >= bytes.length - 64) expect(reason).toBe("bad_signature");
        else if (offset >= keyIdStart) expect(reason).toBe("unknown_key");
        else expect(["malformed", "bad_signature"]).toContain(reason);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuse every truncation", () => {
    for (let length = 0; length < signed.bytes.length; length += 7) {
      expect(reasonOf(signed.bytes.subarray(0, length))).toBe("malformed");
    }
  });

  it("never throw on random bytes, nor allocate for counts the input cannot hold", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (bytes) => {
        expect(MANIFEST_REJECTIONS).toContain(reasonOf(bytes));
        expect(MANIFEST_REJECTIONS).toContain(reasonOf(Uint8Array.from([1, ...bytes])));
      }),
    );
  });
});

describe("crew PIN verifiers", () => {
  const verifier = createPinVerifier("2468", TEST_PIN_COST);

  it("accept the PIN and nothing else", () => {
    expect(checkPin("2468", verifier)).toBe(true);
    expect(checkPin("2469", verifier)).toBe(false);
    expect(checkPin("02468", verifier)).toBe(false);
    expect(checkPin("abcd", verifier)).toBe(false);
    expect(checkPin("", verifier)).toBe(false);
  });

  it("use a fresh salt each time, so equal PINs do not look equal", () => {
    expect(createPinVerifier("2468", TEST_PIN_COST).hash).not.toEqual(verifier.hash);
  });

  it("are standard scrypt: node:crypto derives the same hash (the terminal may use either)", () => {
    const member = crewMember("C1", "Li Na", "purser", "13579");
    const { salt, log2N, r, p, hash } = member.pinVerifier;
    expect(new Uint8Array(scryptSync("13579", salt, 32, { N: 2 ** log2N, r, p }))).toEqual(hash);
  });

  it("refuse PINs that are not 4 to 8 digits, and costs out of bounds", () => {
    expect(() => createPinVerifier("123", TEST_PIN_COST)).toThrow(/4 to 8 digits/);
    expect(() => createPinVerifier("123456789", TEST_PIN_COST)).toThrow(/4 to 8 digits/);
    expect(() => createPinVerifier("1234", { log2N: 30, r: 8, p: 1 })).toThrow(/cost/);
    expect(checkPin("2468", { ...verifier, log2N: 30 })).toBe(false);
    expect(PIN_COST_DEFAULT.log2N).toBeGreaterThanOrEqual(14);
  });
});
