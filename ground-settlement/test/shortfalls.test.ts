/**
 * Shortfalls collected later: from the wallet of the registration the sale was collected from, by
 * the maintenance job once it has money or when the passenger pays; a passenger who owes cannot
 * register again; a later void gives back what was collected; the ledger stays bound to evidence.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settlements } from "../src/db/schema/uploads.js";
import type { Settlement } from "../src/jobs/settlement.js";
import { collectDueShortfalls } from "../src/services/shortfalls.js";
import { bearer, call, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { assertMoneyInvariants, settled, startWorker } from "./support/settle.js";

describe("shortfalls collected later", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let flightId: string;
  let nextFlightId: string;
  let worker: Settlement | undefined;
  let owing: { passengerId: string; token: string };
  let cabin: CabinTerminal;
  let sale: ReturnType<CabinTerminal["sale"]>;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    keys = await staffKeys(t);
    ({ flightId } = await createFlight(t, keys.ops));
    await loadFlight(t, keys.ops, flightId);
    ({ flightId: nextFlightId } = await createFlight(t, keys.ops, {
      number: "8853",
      date: "2026-12-03",
      departureAtMs: DEPARTURE_MS + 2 * 86_400_000,
    }));
    await loadFlight(t, keys.ops, nextFlightId);
    // Everything held: the CN¥128.00 sale is CN¥28.00 over what the passenger has.
    owing = await passenger(t, keys.ops, 10_000);
    const voucher = (await register(t, owing.token, flightId, 10_000)).voucherText;
    cabin = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId), flightId);
    sale = cabin.sale(voucher, [{ sku: "DF-CHO-040", quantity: 1, unitPriceMinor: 12_800 }]);
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await cabin.upload()).statusCode).toBe(200);
    worker = await startWorker(t);
    await settled(t, flightId);
  }, 120_000);
  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  const owed = async (token = owing.token) =>
    (await call(t.app, { method: "GET", url: "/me/shortfalls", headers: bearer(token) }, 200)).json().owed as {
      recordId: string;
      owedMinor: number;
    }[];
  const fund = (amountMinor: number) =>
    call(
      t.app,
      {
        method: "POST",
        url: "/ops/wallets/fund",
        headers: bearer(keys.ops),
        payload: { transferId: crypto.randomUUID(), passengerId: owing.passengerId, currency: "CNY", amountMinor },
      },
      200,
    );
  const settlementOf = async () => (await t.db.select().from(settlements).where(eq(settlements.recordId, sale.recordId)))[0]!;

  it("shows the passenger what they owe, and refuses their next registration, saying why", async () => {
    expect(await owed()).toEqual([expect.objectContaining({ recordId: sale.recordId, owedMinor: 2_800, carrier: "9C", number: "8850" })]);
    const refused = await t.app.inject({
      method: "POST",
      url: "/registrations",
      headers: bearer(owing.token),
      payload: { flightId: nextFlightId, capMinor: 5_000 },
    });
    expect([refused.statusCode, refused.json().code]).toEqual([409, "shortfall_outstanding"]);
    expect(refused.json().message).toContain("flight 9C8850");
  });

  it("refuses a payment from an empty wallet, and another passenger's payment of it", async () => {
    const empty = await t.app.inject({ method: "POST", url: `/me/shortfalls/${sale.recordId}/pay`, headers: bearer(owing.token) });
    expect([empty.statusCode, empty.json().code]).toEqual([422, "insufficient_funds"]);
    const stranger = await passenger(t, keys.ops, 50_000);
    const theirs = await t.app.inject({ method: "POST", url: `/me/shortfalls/${sale.recordId}/pay`, headers: bearer(stranger.token) });
    expect([theirs.statusCode, theirs.json().code]).toEqual([404, "not_found"]);
    expect((await settlementOf()).shortfallMinor).toBe(2_800);
  });

  it("collects on schedule what the wallet has, then the passenger pays the rest, once", async () => {
    await fund(1_000);
    expect(await collectDueShortfalls(t.db, t.clock.nowMs)).toEqual({ collected: 1, collectedMinor: 1_000 });
    expect(await settlementOf()).toMatchObject({ status: "shortfall", shortfallMinor: 1_800, fromBalanceMinor: 1_000 });
    // Nothing more to take until money comes in.
    expect(await collectDueShortfalls(t.db, t.clock.nowMs)).toEqual({ collected: 0, collectedMinor: 0 });
    await fund(5_000);
    // The same payment sent twice at the same moment: collected once, the other told nothing is owed (never a 500).
    const pay = () => t.app.inject({ method: "POST", url: `/me/shortfalls/${sale.recordId}/pay`, headers: bearer(owing.token) });
    const both = await Promise.all([pay(), pay()]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 404]);
    const paid = both.find((r) => r.statusCode === 200)!;
    expect(paid.json()).toEqual({ collectedMinor: 1_800, outstandingMinor: 0 });
    expect(await settlementOf()).toMatchObject({ status: "debited", shortfallMinor: 0, fromBalanceMinor: 2_800 });
    const again = await t.app.inject({ method: "POST", url: `/me/shortfalls/${sale.recordId}/pay`, headers: bearer(owing.token) });
    expect(again.statusCode).toBe(404);
    expect(await owed()).toEqual([]);
    const me = (await call(t.app, { method: "GET", url: "/me", headers: bearer(owing.token) }, 200)).json();
    expect(me.wallets[0]).toMatchObject({ availableMinor: 6_000 - 2_800 });
    await assertMoneyInvariants(t, false);
    // Owing nothing, the passenger registers again.
    await register(t, owing.token, nextFlightId, 1_000);
  });

  it("gives back all a void's sale collected, the part collected later included", async () => {
    cabin.void(sale);
    expect((await cabin.upload()).statusCode).toBe(200);
    await settled(t, flightId);
    const me = (await call(t.app, { method: "GET", url: "/me", headers: bearer(owing.token) }, 200)).json();
    // CN¥60.00 funded after the flight, CN¥10.00 held for the next flight, the whole sale given back.
    expect(me.wallets[0]).toMatchObject({ availableMinor: 10_000 + 6_000 - 1_000 });
    await assertMoneyInvariants(t, false);
  });
});
