/**
 * The purser's PIN on a crew member's screen: one void, refund or close made by the purser, the
 * PIN checked and counted as a login (shared lock-out), and the crew member still logged in after.
 */

import { saleRecords } from "@cabinpay/ground-settlement/internal/db/schema/uploads";
import { DEPARTURE_MS } from "@cabinpay/ground-settlement/testing/actors";
import type { TestApp } from "@cabinpay/ground-settlement/testing/app";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TerminalApi } from "../src/api/contract.js";
import { createTerminalCore } from "../src/core/api.js";
import { tempDir } from "./support/fixtures.js";
import { groundWithFlight } from "./support/ground.js";

describe("a purser's override on a crew member's screen", () => {
  let t: TestApp;
  let core: TerminalApi & { close(): void };
  let voucherText: string;

  beforeAll(async () => {
    const ground = await groundWithFlight({ capMinor: 50_000, seat: "7D", displayName: "CHEN/JIE MS" });
    ({ t, voucherText } = ground);
    core = createTerminalCore({ dataDir: tempDir(), now: () => t.clock.nowMs });
    await core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode() });
    await core["manifest/download"]({ carrier: "9C", number: "8850", date: "2026-12-01", trolleyId: "A" });
    t.clock.nowMs = DEPARTURE_MS + 3_600_000;
    expect(await core["crew/login"]({ crewId: "C1002", pin: "1357" })).toMatchObject({ ok: true, role: "crew" });
  }, 120_000);
  afterAll(async () => {
    core.close();
    await t?.close();
  });

  const sell = async (sku: string) => {
    await core["cart/add"]({ sku });
    const sale = await core["sale/charge"]({ voucherText });
    if (!sale.ok) throw new Error(sale.detail);
    return sale.receipt.recordId;
  };

  it("voids with the purser's PIN, as the purser, and leaves the crew member logged in", async () => {
    const recordId = await sell("DR-COF-300");
    expect(await core["sale/void"]({ reason: "changed_mind", recordId })).toMatchObject({ ok: false, reason: "not_purser" });
    // A crew member's own PIN is no purser's.
    expect(await core["sale/void"]({ reason: "changed_mind", recordId, purser: { crewId: "C1002", pin: "1357" } })).toMatchObject({
      ok: false,
      reason: "not_purser",
    });
    expect(await core["sale/void"]({ reason: "changed_mind", recordId, purser: { crewId: "C1001", pin: "0000" } })).toMatchObject({
      ok: false,
      reason: "wrong_pin",
      detail: expect.stringContaining("4 attempts left"),
    });
    expect(await core["sale/void"]({ reason: "changed_mind", recordId, purser: { crewId: "C1001", pin: "2468" } })).toMatchObject({
      ok: true,
    });
    const [sale] = await core["sale/list"]({});
    expect(sale).toMatchObject({ recordId, voided: true });
    expect((await core["status/get"]({})).crew).toMatchObject({ crewId: "C1002", role: "crew" });
  });

  it("refunds and closes with the purser's PIN too", async () => {
    const recordId = await sell("DF-CHO-040");
    const refund = { recordId, reason: "damaged" as const, lines: [{ sku: "DF-CHO-040", quantity: 1 }] };
    expect(await core["sale/refund"](refund)).toMatchObject({ ok: false, reason: "not_purser" });
    expect(await core["sale/refund"]({ ...refund, purser: { crewId: "C1001", pin: "2468" } })).toMatchObject({
      ok: true,
      totalMinor: 12_800,
    });
    expect(await core["service/close"]({})).toMatchObject({ ok: false, reason: "not_purser" });
    expect(await core["service/close"]({ purser: { crewId: "C1001", pin: "2468" } })).toMatchObject({ ok: true });
    expect((await core["status/get"]({})).flight?.serviceClosed).toBe(true);
    // In the signed chain the ground receives, the void, the refund and the close are the purser's; the sales the crew member's.
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect(await core["sync/upload"]({})).toMatchObject({ accepted: 5 });
    const held = await t.db.select({ kind: saleRecords.kind, crewId: saleRecords.crewId }).from(saleRecords).orderBy(saleRecords.sequence);
    expect(held).toEqual([
      { kind: "sale", crewId: "C1002" },
      { kind: "void", crewId: "C1001" },
      { kind: "sale", crewId: "C1002" },
      { kind: "refund", crewId: "C1001" },
      { kind: "close", crewId: "C1001" },
    ]);
  });

  it("counts wrong purser PINs as the login does: five lock the purser out of both", async () => {
    for (let attempt = 1; attempt <= 4; attempt += 1)
      expect(await core["service/close"]({ purser: { crewId: "C1001", pin: "9999" } })).toMatchObject({ reason: "wrong_pin" });
    expect(await core["service/close"]({ purser: { crewId: "C1001", pin: "9999" } })).toMatchObject({ reason: "locked" });
    expect(await core["service/close"]({ purser: { crewId: "C1001", pin: "2468" } })).toMatchObject({ reason: "locked" });
    expect(await core["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: false, reason: "locked" });
  });
});
