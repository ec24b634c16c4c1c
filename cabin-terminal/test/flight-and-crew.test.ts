import { createNobleSigner, generateSecretKey, newId } from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { crewLogin } from "../src/core/crew/login.js";
import { openTerminalDatabase } from "../src/core/db/open.js";
import { records, stock } from "../src/core/db/schema.js";
import { TerminalError } from "../src/core/errors.js";
import { loadFlight, openFlight } from "../src/core/flight/load.js";
import type { ChainGuard } from "../src/core/integrity/anchor.js";
import { DEPARTURE_MS, enrolledDatabase, guardBeside, manifestBytes } from "./support/fixtures.js";

const NOW = DEPARTURE_MS - 3_600_000;

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TerminalError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return "no error";
};

describe("loading a flight", () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });
  const database = () => {
    const opened = enrolledDatabase();
    closers.push(opened.close);
    return opened;
  };

  it("verifies the manifest against the pinned ground key and stocks this trolley", () => {
    const { db } = database();
    const loaded = loadFlight(db, { manifestBytes: manifestBytes(), trolleyId: "B", nowMs: NOW });
    expect(loaded.flightKey).toBe("9C8850/2026-12-01");
    expect(loaded.manifest.catalog).toHaveLength(3);
    expect(
      db
        .select()
        .from(stock)
        .all()
        .map((s) => [s.sku, s.quantity]),
    ).toEqual([
      ["DF-CHO-040", 20],
      ["DF-WAT-020", 1],
      ["DR-COF-300", 60],
    ]);
    expect(openFlight(db, loaded.flightKey).manifest.manifestId).toBe(loaded.manifest.manifestId);
  });

  it("refuses a manifest not signed by the pinned key, expired, or without this trolley", () => {
    const { db } = database();
    const rogue = createNobleSigner(generateSecretKey());
    expect(errorOf(() => loadFlight(db, { manifestBytes: manifestBytes({}, rogue), trolleyId: "A", nowMs: NOW }))).toMatch(
      /^manifest_rejected: manifest refused \(unknown_key\)/,
    );
    expect(errorOf(() => loadFlight(db, { manifestBytes: manifestBytes(), trolleyId: "A", nowMs: DEPARTURE_MS + 30 * 3_600_000 }))).toMatch(
      /^manifest_rejected: .*\(expired\)/,
    );
    const tampered = manifestBytes();
    tampered[200]! ^= 1;
    expect(errorOf(() => loadFlight(db, { manifestBytes: tampered, trolleyId: "A", nowMs: NOW }))).toMatch(/^manifest_rejected/);
    expect(errorOf(() => loadFlight(db, { manifestBytes: manifestBytes(), trolleyId: "C", nowMs: NOW }))).toMatch(
      /^trolley_not_in_manifest/,
    );
    expect(errorOf(() => openFlight(db, "9C8850/2026-12-01"))).toMatch(/^no_flight_loaded/);
  });

  it("takes a fresher manifest until the first sale, then keeps the one it sold on", () => {
    const { db } = database();
    loadFlight(db, { manifestBytes: manifestBytes(), trolleyId: "A", nowMs: NOW });
    const fresher = loadFlight(db, { manifestBytes: manifestBytes({ revokedVoucherIds: [newId()] }), trolleyId: "A", nowMs: NOW });
    expect(fresher.manifest.revokedVoucherIds).toHaveLength(1);
    db.insert(records)
      .values({
        recordId: newId(),
        flightKey: fresher.flightKey,
        sequence: 1,
        kind: "sale",
        voucherId: newId(),
        crewId: "C1002",
        currency: "CNY",
        totalMinor: 1,
        lines: "[]",
        createdAtMs: NOW,
        hash: Buffer.alloc(32),
        bytes: Buffer.alloc(1),
      })
      .run();
    expect(errorOf(() => loadFlight(db, { manifestBytes: manifestBytes(), trolleyId: "A", nowMs: NOW }))).toMatch(/^flight_in_service/);
    expect(db.select().from(stock).where(eq(stock.flightKey, fresher.flightKey)).all()).toHaveLength(3);
  });

  it("detects a stored manifest edited on the device, also after it was opened (and verified once) before", () => {
    const opened = database();
    const loaded = loadFlight(opened.db, { manifestBytes: manifestBytes(), trolleyId: "A", nowMs: NOW });
    // The same bytes are verified once, at load, then reused while they stay the same.
    expect(openFlight(opened.db, loaded.flightKey)).toBe(loaded);
    expect(openFlight(opened.db, loaded.flightKey)).toBe(loaded);
    opened.sqlite
      .prepare("update flights set manifest = ? where flight_key = ?")
      .run(Buffer.from(manifestBytes({}, createNobleSigner(generateSecretKey()))), loaded.flightKey);
    expect(errorOf(() => openFlight(opened.db, loaded.flightKey))).toMatch(/^manifest_rejected/);
  });
});

describe("crew login", () => {
  it("lets crew in with their PIN and says who they are", () => {
    const opened = enrolledDatabase();
    const { db, close } = opened;
    const guard = guardBeside(opened);
    const { flightKey, manifest } = loadFlight(db, { manifestBytes: manifestBytes(), trolleyId: "A", nowMs: NOW });
    expect(crewLogin(guard, { flightKey, manifest, crewId: "C1001", pin: "2468", nowMs: NOW })).toEqual({
      ok: true,
      crewId: "C1001",
      name: "Li Na",
      role: "purser",
    });
    expect(crewLogin(guard, { flightKey, manifest, crewId: "C9999", pin: "2468", nowMs: NOW })).toEqual({
      ok: false,
      reason: "unknown_crew",
    });
    close();
  });

  it("locks a crew member out after 5 wrong PINs, across a restart, for 5 minutes", () => {
    const opened = enrolledDatabase();
    const { flightKey, manifest } = loadFlight(opened.db, { manifestBytes: manifestBytes(), trolleyId: "A", nowMs: NOW });
    const attempt = (guard: ChainGuard, pin: string, nowMs = NOW) => crewLogin(guard, { flightKey, manifest, crewId: "C1002", pin, nowMs });
    const guard = guardBeside(opened);
    expect([1, 2, 3, 4].map(() => attempt(guard, "0000"))).toEqual(
      [4, 3, 2, 1].map((attemptsLeft) => ({ ok: false, reason: "wrong_pin", attemptsLeft })),
    );
    expect(attempt(guard, "9999")).toEqual({ ok: false, reason: "locked", lockedUntilMs: NOW + 5 * 60_000 });
    opened.close();
    const again = { ...openTerminalDatabase(opened.path), path: opened.path };
    const afterRestart = guardBeside(again);
    // The right PIN does not help while locked, not even after a restart.
    expect(attempt(afterRestart, "1357", NOW + 60_000)).toEqual({ ok: false, reason: "locked", lockedUntilMs: NOW + 5 * 60_000 });
    expect(attempt(afterRestart, "1357", NOW + 5 * 60_000)).toMatchObject({ ok: true, crewId: "C1002", role: "crew" });
    // A success starts the count again.
    expect(attempt(afterRestart, "0000", NOW + 6 * 60_000)).toEqual({ ok: false, reason: "wrong_pin", attemptsLeft: 4 });
    again.close();
  });
});
