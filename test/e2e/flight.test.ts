/**
 * A whole flight, end to end: the built ground service (API and workers as separate processes) on
 * real PostgreSQL and Redis; 150 passengers registered over HTTP; two terminals through the
 * terminal core selling in the aisle — a passenger who overspends across both, a revoked voucher,
 * a void, an item that runs out; both services closed and uploaded, one upload cut off and
 * resumed; settlement and the flight's close by the workers. Then the money invariants, from the
 * terminals' records, the ground's settlements and the ledger, and the reconciliation against the
 * two end-of-service reports. Last, the audit is shown to notice any one lost or doubled debit.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  coreSales,
  enrolTerminal,
  type GroundApi,
  gatherFacts,
  groundApi,
  newLink,
  type OpenedFlight,
  openFlight,
  type Passenger,
  registerPassengers,
  type Terminal,
  waitUntilClosed,
} from "../support/flight.js";
import { auditFlight } from "../support/flight-audit.js";
import { type GroundProcesses, startGroundProcesses } from "../support/ground-processes.js";

const PASSENGERS = 150;
const FUNDED_MINOR = 50_000;
const CAP_MINOR = 30_000;
const OVERSPENDER = PASSENGERS; // funded exactly its cap, buys on both terminals
const REVOKED = PASSENGERS - 1; // registers, then cancels before the cut-off
const SERVED_BY_A = 75; // passengers 1…75 on trolley A, the rest on trolley B

/** A small deterministic generator: the same flight on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe("a whole flight, end to end", () => {
  let ground: GroundProcesses;
  let api: GroundApi;
  let db: pg.Client;
  const cores: Terminal[] = [];
  let passengers: Passenger[] = [];
  let flight: OpenedFlight;
  afterAll(async () => {
    for (const core of cores) core.close();
    await db?.end();
    await ground?.stop();
  });

  beforeAll(async () => {
    ground = await startGroundProcesses({ postgresUrl: inject("postgresUrl"), redisUrl: inject("redisUrl") });
    api = groundApi(ground.url);
    db = new pg.Client({ connectionString: ground.databaseUrl });
    await db.connect();
  });

  it("registers 150 passengers over HTTP, one of whom cancels", async () => {
    flight = await openFlight(api, ground.opsKey, "8851");
    passengers = await registerPassengers(api, ground.opsKey, flight.flightId, PASSENGERS, (index) =>
      index === OVERSPENDER ? { fundedMinor: CAP_MINOR, capMinor: CAP_MINOR } : { fundedMinor: FUNDED_MINOR, capMinor: CAP_MINOR },
    );
    const revoked = passengers[REVOKED - 1]!;
    expect((await api("DELETE", `/registrations/${revoked.voucherId}`, { token: revoked.token })).status).toBe("cancelled");
    const me = await api("GET", "/me", { token: passengers[0]!.token });
    expect(me.wallets[0]).toMatchObject({ postedMinor: FUNDED_MINOR, heldMinor: CAP_MINOR });
  });

  const links = [newLink(), newLink()];
  it("enrols and loads two terminals, and sells on both: an overspend across them, a revoked voucher, a void, stock running out", async () => {
    for (const [index, trolleyId] of ["A", "B"].entries()) cores.push(await enrolTerminal(api, ground, flight, trolleyId, links[index]));
    const [a, b] = [cores[0]!, cores[1]!];
    expect(await a["crew/login"]({ crewId: "C1002", pin: "1357" })).toMatchObject({ ok: true });
    expect(await b["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: true });

    const next = random(8851);
    const drinks = ["DR-COF-300", "DR-TEA-301", "DR-BEE-302", "DR-JUI-303", "DR-WAT-304", "SN-NUT-200", "SN-CHP-201"];
    const meals = ["ML-NOO-100", "ML-RIC-101", "ML-VEG-102", "ML-SAN-103"];
    const sell = async (core: Terminal, p: Passenger, skus: readonly string[]) => {
      await core["cart/clear"]({});
      for (const sku of skus) await core["cart/add"]({ sku });
      return core["sale/charge"]({ voucherText: p.voucherText });
    };
    let chocolatesSold = 0;
    let outOfStock = 0;
    for (const p of passengers.filter((x) => x.index !== REVOKED && x.index !== OVERSPENDER)) {
      const core = p.index <= SERVED_BY_A ? a : b;
      const basket = [drinks[Math.floor(next() * drinks.length)]!, ...(next() < 0.6 ? [meals[Math.floor(next() * meals.length)]!] : [])];
      // On trolley A everyone wants the chocolate box: 20 are loaded, then it is gone.
      if (core === a) {
        const withChocolate = await sell(core, p, ["DF-CHO-040", ...basket]);
        if (withChocolate.ok) {
          chocolatesSold += 1;
          continue;
        }
        expect(withChocolate).toMatchObject({ ok: false, reason: "no_stock", sku: "DF-CHO-040" });
        outOfStock += 1;
      }
      expect(await sell(core, p, basket)).toMatchObject({ ok: true });
    }
    expect(chocolatesSold).toBe(20);
    expect(outOfStock).toBe(SERVED_BY_A - 20);

    // The revoked voucher is declined offline, from the manifest's revocation list.
    expect(await sell(a, passengers[REVOKED - 1]!, ["DR-WAT-304"])).toMatchObject({ ok: false, reason: "revoked" });
    // The overspender: each terminal alone sees the cap respected; together they exceed it.
    const overspender = passengers[OVERSPENDER - 1]!;
    expect(await sell(a, overspender, ["SV-MOD-050"])).toMatchObject({ ok: true });
    expect(await sell(b, overspender, ["SV-MOD-050"])).toMatchObject({ ok: true });
    expect(await sell(a, overspender, ["SV-MOD-050"])).toMatchObject({ ok: false, reason: "over_cap" });
    // The purser voids a sale on B.
    const [toVoid] = await b["sale/list"]({});
    expect(await b["sale/void"]({ recordId: toVoid!.recordId, reason: "charged_twice" })).toMatchObject({ ok: true });
  });

  it("closes both services and uploads, one upload cut off and resumed, and the workers settle and close the flight", async () => {
    const [a, b] = [cores[0]!, cores[1]!];
    await a["crew/logout"]({});
    expect(await a["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: true });
    await a["service/close"]({});
    await b["service/close"]({});
    // A: the answer to its third batch is lost once; the terminal sends it again at once, and the
    // ground answers those records as duplicates.
    links[0]!.cutAfterBatches = 2;
    const unsentA = (await a["status/get"]({})).unsentRecords;
    const uploadedA = await a["sync/upload"]({ batchSizeMax: 25 });
    expect(uploadedA).toMatchObject({ sent: unsentA, accepted: unsentA - 25, duplicate: 25, rejected: [], serviceClosed: true });

    // B: the link drops after its third batch arrived, and stays down past every retry.
    links[1]!.cutAfterBatches = 2;
    links[1]!.staysDown = true;
    const unsentB = (await b["status/get"]({})).unsentRecords;
    await expect(b["sync/upload"]({ batchSizeMax: 20 })).rejects.toMatchObject({ code: "ground_unreachable" });
    expect((await b["status/get"]({})).unsentRecords).toBe(unsentB - 40); // the third batch's answer never came
    // Back on the ground's network: the upload resumes where the ground's chain ends.
    links[1]!.down = false;
    const resumed = await b["sync/upload"]({ batchSizeMax: 20 });
    expect(resumed).toMatchObject({ sent: unsentB - 60, accepted: unsentB - 60, duplicate: 0, rejected: [], serviceClosed: true });
    const outcomes = await b["sync/records"]({});
    expect(outcomes.filter((o) => o.uploadOutcome === "duplicate")).toHaveLength(20);
    expect((await b["status/get"]({})).unsentRecords).toBe(0);

    const report = await waitUntilClosed(api, ground.financeKey, flight.flightId, () => ground.log().slice(-4_000));
    expect(report.status).toBe("needs_attention"); // the overspender's shortfall
  });

  it("debits every approved sale exactly once, balances every wallet, resolves every hold, and the ledger sums to zero", async () => {
    const facts = await flightFacts();
    expect(facts.sales.length).toBe(PASSENGERS - 2 + 2); // everyone but the revoked and the overspender once, the overspender twice
    expect(facts.holds.length).toBeGreaterThanOrEqual(PASSENGERS);
    expect(auditFlight(facts)).toEqual([]);
    const ledger = await api("GET", "/finance/ledger", { token: ground.financeKey });
    expect(ledger).toMatchObject({ balanced: true, accountsOutOfBalance: [] });
  });

  it("reconciles to the two end-of-service reports, and reports the shortfall with the right passenger and amount", async () => {
    const report = await api("GET", `/finance/flights/${flight.flightId}/reconciliation`, { token: ground.financeKey });
    const [cny] = report.currencies;
    const byCategory: Record<string, number> = {};
    let soldMinor = 0;
    for (const [index, core] of cores.entries()) {
      const own = await core["service/report"]({});
      const terminalId = (await core["status/get"]({})).terminalId;
      const seen = report.terminals.find((t: { terminalId: string }) => t.terminalId === terminalId);
      expect(seen, `terminal ${index}`).toMatchObject({
        netMinor: own.netMinor,
        sales: { count: own.sales.count + own.voids.count, amountMinor: own.sales.totalMinor + own.voids.totalMinor },
        voids: { count: own.voids.count + own.refunds.count },
        serviceClosed: true,
      });
      for (const [category, amountMinor] of Object.entries(own.byCategory))
        byCategory[category] = (byCategory[category] ?? 0) + amountMinor;
      soldMinor += own.netMinor;
      const trolleyId = index === 0 ? "A" : "B";
      for (const [sku, left] of Object.entries(own.stockLeft))
        expect(report.stock.find((s: { trolleyId: string; sku: string }) => s.trolleyId === trolleyId && s.sku === sku)?.left, sku).toBe(
          left,
        );
    }
    const nonZero = (entries: [string, number][]) => Object.fromEntries(entries.filter(([, amountMinor]) => amountMinor !== 0));
    expect(nonZero(cny.byCategory.map((c: { category: string; amountMinor: number }) => [c.category, c.amountMinor]))).toEqual(
      nonZero(Object.entries(byCategory)),
    );
    expect(cny.approved.amountMinor - cny.voided.amountMinor).toBe(soldMinor);
    // The purser's void on B arrives with the reason signed on board.
    expect(cny.byReason).toEqual([{ reason: "charged_twice", count: 1, amountMinor: cny.voids.amountMinor }]);
    // Funded exactly its cap of 300.00, it bought 2 × 168.00: 36.00 short.
    const overspender = passengers[OVERSPENDER - 1]!;
    const shortMinor = 2 * 16_800 - overspender.fundedMinor;
    expect(cny.shortfall).toMatchObject({ count: 1, amountMinor: shortMinor });
    const attention = await api("GET", `/finance/attention?flightId=${flight.flightId}`, { token: ground.financeKey });
    expect(
      attention.items.map((item: { passengerName: string; seat: string; shortfallMinor: number }) => [
        item.passengerName,
        item.seat,
        item.shortfallMinor,
      ]),
    ).toEqual([[overspender.name, overspender.seat, shortMinor]]);
  });

  it("would notice any single debit lost or doubled", async () => {
    const facts = await flightFacts();
    expect(auditFlight(facts)).toEqual([]);
    const debited = facts.settlements.filter((row) => row.fromHoldMinor + row.fromBalanceMinor > 0);
    expect(debited.length).toBeGreaterThan(PASSENGERS - 3);
    for (const row of debited) {
      const others = facts.settlements.filter((x) => x !== row);
      // Lost: the settlement never happened, or happened without its debit.
      expect(auditFlight({ ...facts, settlements: others }), `lost ${row.recordId}`).not.toEqual([]);
      expect(auditFlight({ ...facts, settlements: [...others, { ...row, fromHoldMinor: 0, fromBalanceMinor: 0 }] })).not.toEqual([]);
      // Doubled.
      expect(auditFlight({ ...facts, settlements: [...facts.settlements, row] }), `doubled ${row.recordId}`).not.toEqual([]);
    }
    // And a wallet debited twice (or not at all) shows in the wallet itself.
    for (const [index, passenger] of facts.passengers.entries()) {
      const twice = facts.passengers.map((p, i) => (i === index ? { ...p, postedMinor: passenger.postedMinor - 100 } : p));
      expect(auditFlight({ ...facts, passengers: twice })).not.toEqual([]);
    }
  });

  const flightFacts = async () => gatherFacts(db, api, ground.financeKey, flight.flightId, await coreSales(cores), passengers);
});
