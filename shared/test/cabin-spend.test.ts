/**
 * Cabin sync's spend state: signed snapshots (made, verified, every byte change and every
 * impostor refused) and their merge, a join whatever order and grouping snapshots travel in.
 */
import {
  type CabinSpend,
  certifyDevice,
  createNobleSigner,
  generateSecretKey,
  makeSpendSnapshot,
  mergeCabin,
  newId,
  type SpendRejection,
  type SpendSnapshotContent,
  shrinks,
  spentOf,
  type Versioned,
  verifySpendSnapshot,
  withSnapshot,
} from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEPARTURE_MS, HOUR_MS, manifestKey, TERMINAL_ID, terminalKey } from "./support/fixtures.js";

const FLIGHT = { carrier: "9C", number: "8850", date: "2026-12-01" };
const groundKeys = new Map([[manifestKey.keyId, manifestKey.publicKey]]);
const certify = (terminalId: string, publicKey: Uint8Array, ground = manifestKey) =>
  certifyDevice(
    {
      terminalId,
      devicePublicKey: publicKey,
      terminalName: "Trolley A",
      issuedAtMs: DEPARTURE_MS - 24 * HOUR_MS,
      expiresAtMs: DEPARTURE_MS + 30 * 24 * HOUR_MS,
    },
    ground,
  ).bytes;
const VOUCHERS = [newId(), newId(), newId()].sort();
const content: SpendSnapshotContent = {
  flight: FLIGHT,
  terminalId: TERMINAL_ID,
  version: 3,
  createdAtMs: DEPARTURE_MS + HOUR_MS,
  entries: [
    { voucherId: VOUCHERS[0]!, approvedMinor: 6_800, givenBackMinor: 2_000 },
    { voucherId: VOUCHERS[2]!, approvedMinor: 4_800, givenBackMinor: 0 },
  ],
};
const snapshot = makeSpendSnapshot(content, certify(TERMINAL_ID, terminalKey.publicKey), terminalKey);
const reasonOf = (bytes: Uint8Array, flight = FLIGHT, terminals?: string[]): SpendRejection | "accepted" => {
  const context = { groundKeys, verifier: createNodeVerifier(), flight, nowMs: DEPARTURE_MS + HOUR_MS };
  const result = verifySpendSnapshot(bytes, terminals === undefined ? context : { ...context, terminals });
  return result.ok ? "accepted" : result.reason;
};

describe("a terminal's spend snapshot", () => {
  it("carries what the terminal approved and gave back per voucher, verified with the ground's key alone", () => {
    const result = verifySpendSnapshot(snapshot.bytes, { groundKeys, verifier: createNodeVerifier(), flight: FLIGHT, nowMs: DEPARTURE_MS });
    if (!result.ok) throw new Error(result.detail);
    expect(result.snapshot).toMatchObject(content);
    expect(spentOf(new Map([[TERMINAL_ID, result.snapshot]]), VOUCHERS[0]!)).toBe(4_800);
    expect(spentOf(new Map([[TERMINAL_ID, result.snapshot]]), VOUCHERS[1]!)).toBe(0);
  });

  it("is refused from another flight, an uncertified key, another terminal's certificate, or another ground", () => {
    expect(reasonOf(snapshot.bytes, { ...FLIGHT, date: "2026-12-02" })).toBe("wrong_flight");
    const stranger = createNobleSigner(generateSecretKey());
    // The stranger's key under our terminal's certificate cannot be made; under a certificate of another terminal id it is refused.
    expect(() => makeSpendSnapshot(content, certify(TERMINAL_ID, terminalKey.publicKey), stranger)).toThrow(/another device key/);
    const otherId = newId();
    expect(() => makeSpendSnapshot(content, certify(otherId, stranger.publicKey), stranger)).toThrow(/another terminal/);
    const impostor = makeSpendSnapshot(
      { ...content, terminalId: otherId },
      certify(otherId, stranger.publicKey, createNobleSigner(generateSecretKey())),
      stranger,
    );
    expect(reasonOf(impostor.bytes)).toBe("unknown_ground_key");
    // Certified by our ground, but the manifest names other terminals for this flight's trolleys.
    expect(reasonOf(snapshot.bytes, FLIGHT, [otherId])).toBe("not_on_flight");
    expect(reasonOf(snapshot.bytes, FLIGHT, [otherId, TERMINAL_ID])).toBe("accepted");
    expect(reasonOf(snapshot.bytes, FLIGHT, [])).toBe("accepted");
  });

  it("refuses every single-byte change and every truncation", () => {
    fc.assert(
      fc.property(fc.nat({ max: snapshot.bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const changed = snapshot.bytes.slice();
        changed[at] = (changed[at]! + delta) % 256;
        expect(reasonOf(changed)).not.toBe("accepted");
      }),
      { numRuns: 400 },
    );
    for (let length = 0; length < snapshot.bytes.length; length += 7)
      expect(reasonOf(snapshot.bytes.slice(0, length))).not.toBe("accepted");
  });
});

/** Snapshots as merging sees them: per terminal, versions 1..n with counters that only grow (and an occasional equivocating twin). */
const histories = fc
  .array(
    fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 5_000 }), fc.nat({ max: 1_000 }), fc.boolean()), { minLength: 1, maxLength: 6 }),
    { minLength: 1, maxLength: 4 },
  )
  .map((terminals) =>
    terminals.flatMap((steps, t) => {
      const terminalId = `0193c000-0000-7000-8000-00000000000${t}`;
      const counters = VOUCHERS.map(() => ({ approvedMinor: 0, givenBackMinor: 0 }));
      return steps.flatMap(([voucher, approved, givenBack, twin], i) => {
        counters[voucher]!.approvedMinor += approved;
        counters[voucher]!.givenBackMinor += givenBack;
        const entries = VOUCHERS.map((voucherId, v) => ({ voucherId, ...counters[v]! }));
        const made: Versioned = { terminalId, version: i + 1, bytes: Uint8Array.of(t, i, 1), entries };
        return twin ? [made, { ...made, bytes: Uint8Array.of(t, i, 2) }] : [made];
      });
    }),
  );
const single = (s: Versioned): CabinSpend => new Map([[s.terminalId, s]]);
const same = (a: CabinSpend, b: CabinSpend) =>
  expect([...a].map(([t, s]) => [t, s.version, [...s.bytes]]).sort()).toEqual([...b].map(([t, s]) => [t, s.version, [...s.bytes]]).sort());

describe("merging the cabin's spend", () => {
  it("is commutative, associative and idempotent, and gives one answer whatever order snapshots arrive in", () => {
    fc.assert(
      fc.property(histories, fc.func(fc.nat()), fc.func(fc.nat()), (snapshots, order, split) => {
        const views = snapshots.map(single);
        const shuffled = [...views].sort((a, b) => order(a) - order(b));
        const [x, y, z] = [0, 1, 2].map((k) => shuffled.filter((_, i) => split(i) % 3 === k).reduce(mergeCabin, new Map()));
        same(mergeCabin(x!, y!), mergeCabin(y!, x!));
        same(mergeCabin(mergeCabin(x!, y!), z!), mergeCabin(x!, mergeCabin(y!, z!)));
        same(mergeCabin(x!, x!), x!);
        const inOrder = views.reduce(mergeCabin, new Map());
        same(shuffled.reduce(mergeCabin, new Map()), inOrder);
        same(snapshots.reduce(withSnapshot, new Map() as CabinSpend), inOrder);
        // The spend is the newest counters of each terminal (none below zero), summed.
        for (const voucherId of VOUCHERS) {
          const newest = new Map<string, Versioned>();
          for (const s of snapshots) if ((newest.get(s.terminalId)?.version ?? 0) <= s.version) newest.set(s.terminalId, s);
          const expected = [...newest.values()].reduce((sum, s) => {
            const entry = s.entries.find((e) => e.voucherId === voucherId)!;
            return sum + Math.max(0, entry.approvedMinor - entry.givenBackMinor);
          }, 0);
          expect(spentOf(inOrder, voucherId)).toBe(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("tells a newer snapshot that shrinks a counter (a faulty or forged terminal) from one that grows", () => {
    const older: Versioned = {
      terminalId: TERMINAL_ID,
      version: 1,
      bytes: Uint8Array.of(1),
      entries: [{ voucherId: VOUCHERS[0]!, approvedMinor: 500, givenBackMinor: 0 }],
    };
    const grown = { ...older, version: 2, entries: [{ voucherId: VOUCHERS[0]!, approvedMinor: 900, givenBackMinor: 100 }] };
    const shrunk = { ...older, version: 3, entries: [{ voucherId: VOUCHERS[0]!, approvedMinor: 400, givenBackMinor: 0 }] };
    expect([shrinks(older, grown), shrinks(grown, shrunk), shrinks(older, { ...older, version: 2, entries: [] })]).toEqual([
      false,
      true,
      true,
    ]);
  });

  it("counts no terminal below zero: one that signs back more than it approved cannot free another trolley's spend", () => {
    const entry = (approvedMinor: number, givenBackMinor: number) => [{ voucherId: VOUCHERS[0]!, approvedMinor, givenBackMinor }];
    const honest: Versioned = { terminalId: "a", version: 1, bytes: Uint8Array.of(1), entries: entry(6_000, 1_000) };
    const rogue: Versioned = { terminalId: "b", version: 1, bytes: Uint8Array.of(2), entries: entry(0, 50_000) };
    const cabin: CabinSpend = new Map([
      ["a", honest],
      ["b", rogue],
    ]);
    expect(spentOf(cabin, VOUCHERS[0]!)).toBe(5_000);
    expect(spentOf(cabin, VOUCHERS[0]!, "a")).toBe(0);
  });
});
