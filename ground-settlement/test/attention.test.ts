/** Finance's attention queue: a parked settlement retried, a shortfall marked as collected elsewhere, each recorded with who. */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys } from "../src/db/schema/identity.js";
import { attentionActions, settlements } from "../src/db/schema/uploads.js";
import type { Settlement } from "../src/jobs/settlement.js";
import { bearer, call, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { assertMoneyInvariants, settled, startWorker, waitFor } from "./support/settle.js";

describe("the attention queue", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let flightId: string;
  let worker: Settlement | undefined;
  let parked: string;
  let short: string;
  let cabin: CabinTerminal;
  /** Cancelled before any terminal had the flight: a sale against it is refused at ingest. */
  let cancelledVoucher: string;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    keys = await staffKeys(t);
    ({ flightId } = await createFlight(t, keys.ops));
    await loadFlight(t, keys.ops, flightId);
    const voucherOf = async (fundedMinor: number, capMinor: number) => {
      const who = await passenger(t, keys.ops, fundedMinor);
      return (await register(t, who.token, flightId, capMinor)).voucherText;
    };
    const rich = await voucherOf(50_000, 10_000);
    const canceller = await passenger(t, keys.ops, 20_000);
    const cancelled = await register(t, canceller.token, flightId, 10_000);
    await call(t.app, { method: "DELETE", url: `/registrations/${cancelled.registrationId}`, headers: bearer(canceller.token) }, 200);
    cancelledVoucher = cancelled.voucherText;
    const poor = await voucherOf(10_000, 10_000); // everything held: nothing left beyond the cap
    cabin = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId), flightId);
    parked = cabin.sale(rich, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }]).recordId;
    short = cabin.sale(poor, [{ sku: "DF-CHO-040", quantity: 1, unitPriceMinor: 12_800 }]).recordId;
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await cabin.upload()).statusCode).toBe(200);
    // As the pipeline parks a settlement it cannot do (before any transfer was made).
    await t.db
      .update(settlements)
      .set({ status: "failed", reason: "parked: the registration could not be read" })
      .where(eq(settlements.recordId, parked));
    worker = await startWorker(t);
    await settled(t, flightId);
  });
  afterAll(async () => {
    await worker?.close();
    await t.close();
  });

  const queue = async (key = keys.finance) =>
    (await call(t.app, { method: "GET", url: `/finance/attention?flightId=${flightId}`, headers: bearer(key) }, 200)).json().items as {
      recordId: string;
      status: string;
      shortfallMinor: number;
      canRetry: boolean;
      canMarkCollected: boolean;
    }[];

  it("lists what needs a person, for finance and ops only", async () => {
    const items = await queue();
    expect(items.map((i) => [i.recordId, i.status, i.canRetry, i.canMarkCollected]).sort()).toEqual(
      [
        [parked, "failed", true, false],
        [short, "shortfall", false, true],
      ].sort(),
    );
    expect(items.find((i) => i.recordId === short)?.shortfallMinor).toBe(2_800);
    expect(await queue(keys.ops)).toHaveLength(2);
    const someone = await passenger(t, keys.ops, 0);
    expect((await t.app.inject({ method: "GET", url: "/finance/attention", headers: bearer(someone.token) })).statusCode).toBe(403);
  });

  it("retries a parked settlement: it goes back to the pipeline and is debited once", async () => {
    const response = await call(t.app, { method: "POST", url: `/finance/attention/${parked}/retry`, headers: bearer(keys.finance) }, 202);
    expect(response.json()).toEqual({ status: "pending" });
    const status = await waitFor("the retried settlement", async () => {
      const [row] = await t.db.select().from(settlements).where(eq(settlements.recordId, parked));
      return row!.status === "pending" ? undefined : row!.status;
    });
    expect(status).toBe("debited");
    const again = await t.app.inject({ method: "POST", url: `/finance/attention/${parked}/retry`, headers: bearer(keys.finance) });
    expect([again.statusCode, again.json().code]).toEqual([409, "not_actionable"]);
    await assertMoneyInvariants(t, false);
  });

  it("records a shortfall collected elsewhere, with who did it, once", async () => {
    const url = `/finance/attention/${short}/collected-elsewhere`;
    const refused = await t.app.inject({ method: "POST", url, headers: bearer(keys.finance), payload: { note: "" } });
    expect(refused.statusCode).toBe(400);
    const done = await call(
      t.app,
      { method: "POST", url, headers: bearer(keys.finance), payload: { note: "paid by card at the gate" } },
      200,
    );
    expect(done.json()).toEqual({ amountMinor: 2_800 });
    const twice = await t.app.inject({ method: "POST", url, headers: bearer(keys.finance), payload: { note: "again" } });
    expect([twice.statusCode, twice.json().code]).toEqual([409, "not_actionable"]);
    const [financeKey] = await t.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.role, "finance"));
    const recorded = await t.db
      .select()
      .from(attentionActions)
      .where(and(eq(attentionActions.recordId, short), eq(attentionActions.action, "collected_elsewhere")));
    expect(recorded).toMatchObject([{ actor: `api-key:${financeKey!.id}`, note: "paid by card at the gate", amountMinor: 2_800 }]);
    expect(await queue()).toEqual([]);
    const report = (
      await call(t.app, { method: "GET", url: `/finance/flights/${flightId}/reconciliation`, headers: bearer(keys.finance) }, 200)
    ).json();
    expect(report.currencies[0].shortfall).toEqual({ count: 1, amountMinor: 2_800, collectedElsewhereMinor: 2_800 });
  });

  it("writes off a refused sale with a note, once, and only for finance: no item stays in the queue for ever", async () => {
    const refusedSale = cabin.sale(cancelledVoucher, [{ sku: "DR-COF-300", quantity: 2, unitPriceMinor: 2_000 }]).recordId;
    expect((await cabin.upload()).statusCode).toBe(200);
    const item = await waitFor("the refused sale in the queue", async () => (await queue()).find((i) => i.recordId === refusedSale));
    expect(item).toMatchObject({ status: "rejected", canRetry: false, canMarkCollected: false, canWriteOff: true });

    const url = `/finance/attention/${refusedSale}/write-off`;
    expect((await t.app.inject({ method: "POST", url, headers: bearer(keys.ops), payload: { note: "accepted" } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: "POST", url, headers: bearer(keys.finance), payload: { note: "" } })).statusCode).toBe(400);
    const done = await call(
      t.app,
      { method: "POST", url, headers: bearer(keys.finance), payload: { note: "passenger had cancelled; crew sold from an old manifest" } },
      200,
    );
    expect(done.json()).toEqual({ amountMinor: 4_000 });
    const twice = await t.app.inject({ method: "POST", url, headers: bearer(keys.finance), payload: { note: "again" } });
    expect([twice.statusCode, twice.json().code]).toEqual([409, "not_actionable"]);
    expect(await queue()).toEqual([]);
    const [recorded] = await t.db
      .select()
      .from(attentionActions)
      .where(and(eq(attentionActions.recordId, refusedSale), eq(attentionActions.action, "written_off")));
    expect(recorded).toMatchObject({ note: "passenger had cancelled; crew sold from an old manifest", amountMinor: 4_000 });
    // The flight needs nobody now; nothing moved in the ledger for the written-off sale.
    const list = (await call(t.app, { method: "GET", url: "/finance/flights", headers: bearer(keys.finance) }, 200)).json();
    expect(list.flights.find((row: { flight: { flightId: string } }) => row.flight.flightId === flightId).attention).toBe(0);
    await assertMoneyInvariants(t, false);
  });
});
