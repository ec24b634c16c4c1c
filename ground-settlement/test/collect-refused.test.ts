/**
 * A sale refused at ingest because its passenger had cancelled, collected from their balance by
 * finance: only that refusal, only once (two clicks at once), not after a void, never for a forged
 * voucher; the balance pays what it can and the rest is a shortfall; the reconciliation counts it.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attentionActions, settlements } from "../src/db/schema/uploads.js";
import type { Settlement } from "../src/jobs/settlement.js";
import {
  bearer,
  call,
  createFlight,
  DEPARTURE_MS,
  enrolTerminal,
  forgedVoucherText,
  loadFlight,
  passenger,
  register,
  staffKeys,
} from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { assertMoneyInvariants, settled, startWorker, waitFor } from "./support/settle.js";

describe("collecting a refused sale from the passenger's balance", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let flightId: string;
  let worker: Settlement | undefined;
  let rich: { sale: string; token: string };
  let poor: { sale: string };
  let voided: string;
  let forged: string;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    keys = await staffKeys(t);
    ({ flightId } = await createFlight(t, keys.ops));
    await loadFlight(t, keys.ops, flightId);
    // Each registers, then cancels before any terminal had the flight: their sales are refused at ingest.
    const cancelled = async (fundedMinor: number) => {
      const who = await passenger(t, keys.ops, fundedMinor);
      const registration = await register(t, who.token, flightId, Math.min(fundedMinor, 10_000));
      await call(t.app, { method: "DELETE", url: `/registrations/${registration.registrationId}`, headers: bearer(who.token) }, 200);
      return { token: who.token, voucherText: registration.voucherText };
    };
    const richPassenger = await cancelled(20_000);
    const poorPassenger = await cancelled(3_000);
    const cabin = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId), flightId);
    rich = {
      sale: cabin.sale(richPassenger.voucherText, [{ sku: "DR-COF-300", quantity: 2, unitPriceMinor: 2_000 }]).recordId,
      token: richPassenger.token,
    };
    poor = { sale: cabin.sale(poorPassenger.voucherText, [{ sku: "ML-NOO-100", quantity: 1, unitPriceMinor: 5_000 }]).recordId };
    const toVoid = cabin.sale(richPassenger.voucherText, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }]);
    cabin.void(toVoid);
    voided = toVoid.recordId;
    forged = cabin.sale(forgedVoucherText(), [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }]).recordId;
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await cabin.upload()).statusCode).toBe(200);
    worker = await startWorker(t);
    await settled(t, flightId);
  });
  afterAll(async () => {
    await worker?.close();
    await t.close();
  });

  const queue = async () =>
    (await call(t.app, { method: "GET", url: `/finance/attention?flightId=${flightId}`, headers: bearer(keys.finance) }, 200)).json()
      .items as { recordId: string; status: string; reason: string; canCollectFromBalance: boolean; canMarkCollected: boolean }[];
  const collect = (recordId: string, key = keys.finance, note = "goods handed over; passenger agreed by phone") =>
    t.app.inject({ method: "POST", url: `/finance/attention/${recordId}/collect-from-balance`, headers: bearer(key), payload: { note } });
  const reconciliation = async () =>
    (await call(t.app, { method: "GET", url: `/finance/flights/${flightId}/reconciliation`, headers: bearer(keys.finance) }, 200)).json();

  it("offers it only for a sale refused because its passenger had cancelled, and not voided on board", async () => {
    const offered = Object.fromEntries((await queue()).map((i) => [i.recordId, [i.reason, i.canCollectFromBalance]]));
    expect(offered[rich.sale]).toEqual(["voucher_revoked", true]);
    expect(offered[poor.sale]).toEqual(["voucher_revoked", true]);
    expect(offered[voided]).toEqual(["voucher_revoked", false]);
    expect(offered[forged]).toEqual(["voucher_forged", false]);
    // Asked anyway: refused with a reason, nothing changed.
    for (const recordId of [voided, forged]) {
      const refused = await collect(recordId);
      expect([refused.statusCode, refused.json().code]).toEqual([409, "not_actionable"]);
    }
    const [stillRefused] = await t.db.select().from(settlements).where(eq(settlements.recordId, forged));
    expect(stillRefused!.status).toBe("rejected");
    expect((await collect(rich.sale, keys.ops)).statusCode).toBe(403);
    expect((await collect(rich.sale, keys.finance, "")).statusCode).toBe(400);
  });

  it("collects once when two people click at once, from the balance, bound to the passenger's registration", async () => {
    const answers = await Promise.all([collect(rich.sale), collect(rich.sale)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 409]);
    expect(answers.find((a) => a.statusCode === 202)!.json()).toEqual({ status: "pending", amountMinor: 4_000 });
    const status = await waitFor("the collection", async () => {
      const [row] = await t.db.select().from(settlements).where(eq(settlements.recordId, rich.sale));
      return row!.status === "pending" ? undefined : row;
    });
    expect(status).toMatchObject({ status: "debited", fromHoldMinor: 0, fromBalanceMinor: 4_000, shortfallMinor: 0 });
    const actions = await t.db.select().from(attentionActions).where(eq(attentionActions.recordId, rich.sale));
    expect(actions).toMatchObject([
      { action: "collected_from_balance", amountMinor: 4_000, note: "goods handed over; passenger agreed by phone" },
    ]);
    // The passenger sees it on their statement as a purchase debited.
    const statement = (await call(t.app, { method: "GET", url: "/me/statement", headers: bearer(rich.token) }, 200)).json();
    const line = statement.registrations[0].purchases.find((p: { recordId: string }) => p.recordId === rich.sale);
    expect(line).toMatchObject({ settlement: "debited", debitedMinor: 4_000 });
    await assertMoneyInvariants(t, false);
  });

  it("takes what the balance covers and books the rest as a shortfall, which stays in the queue", async () => {
    expect((await collect(poor.sale)).statusCode).toBe(202);
    const row = await waitFor("the collection", async () => {
      const [found] = await t.db.select().from(settlements).where(eq(settlements.recordId, poor.sale));
      return found!.status === "pending" ? undefined : found;
    });
    expect(row).toMatchObject({ status: "shortfall", fromBalanceMinor: 3_000, shortfallMinor: 2_000 });
    const item = (await queue()).find((i) => i.recordId === poor.sale);
    expect(item).toMatchObject({ status: "shortfall", canMarkCollected: true, canCollectFromBalance: false });
    await assertMoneyInvariants(t, false);
  });

  it("counts a collected refusal in the flight's sales and money, and the rest as refused", async () => {
    const [cny] = (await reconciliation()).currencies;
    expect(cny.collectedAfterRefusal).toEqual({ count: 2, amountMinor: 9_000 });
    // Still refused: the voided sale and the forged one.
    expect(cny.rejected).toEqual({ count: 2, amountMinor: 4_000 });
    expect(cny.approved).toEqual({ count: 2, amountMinor: 9_000 });
    expect(cny.netMinor).toBe(9_000);
    expect(cny.debited).toMatchObject({ fromBalanceMinor: 7_000, totalMinor: 7_000 });
    expect(cny.shortfall).toMatchObject({ count: 1, amountMinor: 2_000 });
    const list = (await call(t.app, { method: "GET", url: "/finance/flights", headers: bearer(keys.finance) }, 200)).json();
    const row = list.flights.find((f: { flight: { flightId: string } }) => f.flight.flightId === flightId);
    expect([row.approvedMinor, row.debitedMinor]).toEqual([9_000, 7_000]);
  });
});
