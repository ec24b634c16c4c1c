/**
 * Record ids are chosen by terminals. One the ground already holds for another terminal's record
 * (a leaked key uploading an id read off a passenger's receipt before the real terminal lands)
 * must not strand the real terminal's sales behind a 500 on every retry: its batch is refused with
 * a reason, kept as evidence for finance, and nothing of it is stored or debited.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejectedBatches, saleRecords, settlements } from "../src/db/schema/uploads.js";
import { createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { ENGINES } from "./support/databases.js";

const COFFEE = { sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 };

describe.each(ENGINES)("a record id another terminal took first, on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => {
    await t.close();
  });

  it("refuses the real terminal's batch with a reason and keeps it as evidence, the same on every retry", async () => {
    const { ops } = await staffKeys(t);
    const { flightId } = await createFlight(t, ops);
    await loadFlight(t, ops, flightId);
    const real = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "A"), flightId, undefined, "A");
    const leaked = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "B"), flightId, undefined, "B");
    const p = await passenger(t, ops, 10_000);
    const voucher = (await register(t, p.token, flightId, 5_000)).voucherText;
    const sale = real.sale(voucher, [COFFEE]);
    // The leaked key signs a void of its own sale under the real sale's id, and lands first.
    leaked.void(leaked.sale(voucher, [COFFEE]), "C1001", { recordId: sale.recordId });
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await leaked.upload()).statusCode).toBe(200);

    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await real.upload();
      expect([answer.statusCode, answer.json().code, answer.json().details.reason]).toEqual([422, "batch_rejected", "record_id_taken"]);
      expect(answer.json().details.chain).toMatchObject({ index: 0, sequence: 1, reason: "record_id_taken" });
    }
    const stored = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(saleRecords)
      .where(eq(saleRecords.terminalId, real.terminal.terminalId));
    expect(stored[0]!.n).toBe(0);
    const kept = await t.db
      .select({ reason: rejectedBatches.reason })
      .from(rejectedBatches)
      .where(eq(rejectedBatches.terminalId, real.terminal.terminalId));
    expect(kept.map((k) => k.reason)).toEqual(["record_id_taken", "record_id_taken"]);
    // The id still belongs to the record that took it first, and settles as that record alone.
    const [holder] = await t.db.select({ terminalId: saleRecords.terminalId }).from(saleRecords).where(eq(saleRecords.id, sale.recordId));
    expect(holder!.terminalId).toBe(leaked.terminal.terminalId);
    const settling = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(settlements)
      .where(eq(settlements.terminalId, real.terminal.terminalId));
    expect(settling[0]!.n).toBe(0);
  });
});
