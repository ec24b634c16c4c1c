/**
 * Record ids are chosen by terminals. One the ground already holds for another terminal's record
 * (a leaked key uploading an id read off a passenger's receipt before the real terminal lands)
 * must not strand the real terminal's sales: the ground keys the real record by an id of its own,
 * keeps the terminal's id beside it, and the record settles, is voided, appears on the statement
 * and matches its receipt by the terminal's id; the passenger's phone tells the records under one
 * id apart by their hash. A terminal reusing its own id is refused with a
 * reason and kept as evidence, the same on every retry.
 */
import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rejectedBatches, saleRecords, settlements } from "../src/db/schema/uploads.js";
import { bearer, call, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { ENGINES } from "./support/databases.js";
import { settled, startWorker } from "./support/settle.js";
import { receiptsNotOnStatement } from "./support/witness.js";

const COFFEE = { sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 };

describe.each(ENGINES)("a record id another terminal took first, on %s", (engine) => {
  let t: TestApp;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => {
    await worker?.close();
    await t.close();
  });

  const heldUnder = (terminalId: string) =>
    t.db
      .select({ id: saleRecords.id, terminalRecordId: saleRecords.terminalRecordId, kind: saleRecords.kind, status: saleRecords.status })
      .from(saleRecords)
      .where(eq(saleRecords.terminalId, terminalId))
      .orderBy(saleRecords.sequence);

  it("keys the real terminal's sale by the ground's id: it settles, is voided, is on the statement and matches its receipt", async () => {
    const { ops } = await staffKeys(t);
    const { flightId } = await createFlight(t, ops);
    await loadFlight(t, ops, flightId);
    const real = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "A"), flightId, undefined, "A");
    const leaked = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "B"), flightId, undefined, "B");
    const p = await passenger(t, ops, 10_000);
    const voucher = (await register(t, p.token, flightId, 5_000)).voucherText;
    const sale = real.sale(voucher, [COFFEE]);
    const kept = real.sale(voucher, [COFFEE, COFFEE]);
    const receipt = real.receipt(sale, 5_000 - 2_000, real.terminal.certificate);
    // The leaked key signs a void of its own sale under the real sale's id, and lands first.
    leaked.void(leaked.sale(voucher, [COFFEE]), "C1001", { recordId: sale.recordId });
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await leaked.upload()).statusCode).toBe(200);
    // Had the real terminal been lost here, the statement would show the leaked void under the
    // sale's id: the phone must still find the sale's receipt missing and send it as evidence.
    expect(await receiptsNotOnStatement(t, p.token, [receipt])).toEqual([sale.recordId]);

    const answer = await real.upload();
    expect(answer.statusCode).toBe(200);
    expect(answer.json().records.map((r: { outcome: string }) => r.outcome)).toEqual(["accepted", "accepted"]);
    const [first, second] = await heldUnder(real.terminal.terminalId);
    expect(first!.id).not.toBe(sale.recordId);
    expect(first!.terminalRecordId).toBe(sale.recordId);
    expect([second!.id, second!.terminalRecordId]).toEqual([kept.recordId, null]);
    const [holder] = await t.db.select({ terminalId: saleRecords.terminalId }).from(saleRecords).where(eq(saleRecords.id, sale.recordId));
    expect(holder!.terminalId).toBe(leaked.terminal.terminalId);
    // Uploaded again, it is the same record: a duplicate, nothing stored twice.
    const again = await real.upload();
    expect(again.json().records.map((r: { outcome: string }) => r.outcome)).toEqual(["duplicate", "duplicate"]);

    // The purser voids the first sale by the id the terminal gave it: the void reverses that sale.
    real.void(sale);
    expect((await real.upload(real.batch(3, 3))).json().records).toMatchObject([{ outcome: "accepted" }]);
    const voided = (await heldUnder(real.terminal.terminalId))[2]!;
    const [reference] = await t.db
      .select({ referenced: saleRecords.referencedRecordId })
      .from(saleRecords)
      .where(eq(saleRecords.id, voided.id));
    expect(reference!.referenced).toBe(first!.id);

    worker = await startWorker(t);
    await settled(t, flightId);
    const statuses = await t.db
      .select({ status: settlements.status })
      .from(settlements)
      .where(eq(settlements.terminalId, real.terminal.terminalId))
      .orderBy(settlements.sequence);
    // The sale debited; its void gave it back.
    expect(statuses.map((s) => s.status)).toEqual(["debited", "debited", "reversed"]);
    const statement = (await call(t.app, { method: "GET", url: "/me/statement", headers: bearer(p.token) }, 200)).json();
    const purchases = statement.registrations[0].purchases as {
      recordId: string;
      kind: string;
      debitedMinor: number;
      refundedMinor: number;
    }[];
    // Under the sale's id, as the passenger's receipt names it: the real sale and the leaked key's void.
    const underSaleId = purchases
      .filter((x) => x.recordId === sale.recordId)
      .map(({ kind, debitedMinor, refundedMinor }) => [kind, debitedMinor, refundedMinor]);
    expect(underSaleId.sort()).toEqual([
      ["sale", 2_000, 0],
      ["void", 0, 2_000],
    ]);
    // Each sale debited once, each void gave back once: 2,000 + 4,000 by the real terminal, less its void.
    expect(statement.registrations[0].debitedMinor).toBe(2_000 - 2_000 + 2_000 + 4_000 - 2_000);
    // Its receipt matches what the ground holds, though another record holds its id.
    const reported = await t.app.inject({ method: "POST", url: "/me/receipts", headers: bearer(p.token), payload: { receipt } });
    expect(reported.json()).toMatchObject({ recordId: sale.recordId, match: "received" });
    expect(await receiptsNotOnStatement(t, p.token, [receipt])).toEqual([]);
  });
});

describe.each(ENGINES)("a leaked key that lands after, or at the same moment, on %s", (engine) => {
  let t: TestApp;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeEach(async () => {
    t = await createTestApp(engine);
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await t.close();
  });

  async function cabin() {
    const { ops } = await staffKeys(t);
    const { flightId } = await createFlight(t, ops);
    await loadFlight(t, ops, flightId);
    const real = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "A"), flightId, undefined, "A");
    const leaked = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "B"), flightId, undefined, "B");
    const victim = await passenger(t, ops, 10_000);
    const accomplice = await passenger(t, ops, 10_000);
    const voucher = (await register(t, victim.token, flightId, 5_000)).voucherText;
    const own = (await register(t, accomplice.token, flightId, 5_000)).voucherText;
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    return { flightId, real, leaked, victim, accomplice, voucher, own };
  }
  const debited = async (token: string) =>
    (await call(t.app, { method: "GET", url: "/me/statement", headers: bearer(token) }, 200)).json().registrations[0].debitedMinor;

  it("a void the leaked key signs under the real sale's id reverses its own record only: the real sale stays debited", async () => {
    const { flightId, real, leaked, victim, accomplice, voucher, own } = await cabin();
    const sale = real.sale(voucher, [COFFEE]);
    expect((await real.upload()).statusCode).toBe(200);
    // Lands after: its sale (on its accomplice's voucher) under the real sale's id is keyed by the ground; then it voids "that id".
    const copy = leaked.sale(own, [COFFEE], "C1002", { recordId: sale.recordId });
    leaked.void(copy);
    const answer = await leaked.upload();
    expect(answer.json().records.map((r: { outcome: string }) => r.outcome)).toEqual(["accepted", "accepted"]);
    worker = await startWorker(t);
    await settled(t, flightId);
    // The real sale is debited from its passenger and nothing gives it back; the void gave back the leaked key's own sale.
    expect(await debited(victim.token)).toBe(2_000);
    expect(await debited(accomplice.token)).toBe(0);
    const [realSale] = await t.db
      .select({ status: settlements.status, reversedMinor: settlements.reversedMinor })
      .from(settlements)
      .where(eq(settlements.recordId, sale.recordId));
    expect(realSale).toEqual({ status: "debited", reversedMinor: 0 });
  });

  it("two terminals uploading one record id at the same moment are both taken, each record once, with no error", async () => {
    const { flightId, real, leaked, victim, accomplice, voucher, own } = await cabin();
    const sale = real.sale(voucher, [COFFEE]);
    leaked.sale(own, [COFFEE, COFFEE], "C1002", { recordId: sale.recordId });
    const answers = await Promise.all([real.upload(), leaked.upload()]);
    expect(answers.map((a) => [a.statusCode, a.json().records[0].outcome])).toEqual([
      [200, "accepted"],
      [200, "accepted"],
    ]);
    const rows = await t.db
      .select({ id: saleRecords.id, terminalRecordId: saleRecords.terminalRecordId })
      .from(saleRecords)
      .where(eq(saleRecords.flightId, flightId));
    expect(rows).toHaveLength(2);
    // One record holds the id; the other is keyed by the ground with the id kept beside it.
    expect(rows.filter((r) => r.id === sale.recordId)).toHaveLength(1);
    expect(rows.filter((r) => r.terminalRecordId === sale.recordId)).toHaveLength(1);
    worker = await startWorker(t);
    await settled(t, flightId);
    expect([await debited(victim.token), await debited(accomplice.token)]).toEqual([2_000, 4_000]);
  });
});

describe.each(ENGINES)("a terminal reusing its own record id, on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => {
    await t.close();
  });

  it("refuses a terminal reusing its own record id, with a reason kept as evidence, the same on every retry", async () => {
    const { ops } = await staffKeys(t);
    const { flightId } = await createFlight(t, ops);
    await loadFlight(t, ops, flightId);
    const cabin = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "A"), flightId, undefined, "A");
    const p = await passenger(t, ops, 10_000);
    const voucher = (await register(t, p.token, flightId, 5_000)).voucherText;
    const sale = cabin.sale(voucher, [COFFEE]);
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await cabin.upload()).statusCode).toBe(200);
    // Its next batch: a sale under the id of the one held, then (in the one after) two sales under one id.
    cabin.void(cabin.sale(voucher, [COFFEE]), "C1001", { recordId: sale.recordId });
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await cabin.upload(cabin.batch(2, 3));
      expect([refused.statusCode, refused.json().details.reason]).toEqual([422, "record_id_taken"]);
      expect(refused.json().details.chain).toMatchObject({ index: 1, sequence: 3, reason: "record_id_taken" });
    }
    const twice = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "B"), flightId, undefined, "B");
    const first = twice.sale(voucher, [COFFEE]);
    twice.void(first, "C1001", { recordId: first.recordId });
    const refusedTwice = await twice.upload();
    expect([refusedTwice.statusCode, refusedTwice.json().details.chain]).toEqual([
      422,
      { index: 1, sequence: 2, reason: "record_id_taken" },
    ]);

    const kept = await t.db.select({ reason: rejectedBatches.reason }).from(rejectedBatches).where(eq(rejectedBatches.flightId, flightId));
    expect(kept.map((k) => k.reason)).toEqual(["record_id_taken", "record_id_taken", "record_id_taken"]);
    const stored = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(saleRecords)
      .where(and(eq(saleRecords.flightId, flightId)));
    expect(stored[0]!.n).toBe(1);
  });
});
