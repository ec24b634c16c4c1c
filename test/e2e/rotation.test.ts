/**
 * A day's rotation, end to end: the built ground service (API and workers as separate processes)
 * on real PostgreSQL and Redis, and two terminal cores on trolleys A and B of an aircraft flying
 * PVG→CTU→PVG→HKG, the last leg selling in HKD to passengers whose accounts are in CNY (debited at
 * the rate in that leg's manifest). Ops plan the rotation; each terminal loads all three legs at once from its
 * enrolment alone, then sells them in turn with no ground at all: leg 2 carries leg 1's stock over,
 * leg 3 is re-stocked. Terminal A's automatic upload sends legs 1 and 2 as soon as the ground is
 * back between legs 2 and 3, while leg 3 sells; B uploads everything after the last landing. Every
 * leg is settled and closed, and the money audit holds per leg.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceReport } from "@cabinpay/cabin-terminal/internal/api/results";
import { createTerminalCore } from "@cabinpay/cabin-terminal/internal/core/api";
import { convertMinor, money } from "@cabinpay/shared";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  coreSales,
  type GroundApi,
  gatherFacts,
  groundApi,
  type Link,
  newLink,
  type OpenedFlight,
  openFlight,
  type Passenger,
  registerPassengers,
  SAMPLE_PRICES_CSV,
  type Terminal,
  waitUntilClosed,
} from "../support/flight.js";
import { auditFlight, type TerminalSale } from "../support/flight-audit.js";
import { type GroundProcesses, startGroundProcesses } from "../support/ground-processes.js";

const HOUR_MS = 3_600_000;
const PASSENGERS_PER_LEG = 12;
const CAP_MINOR = 30_000;
const HKD_TO_CNY = { currency: "CNY", rateMicros: 912_300, source: "airline treasury 06:00" } as const;
const cnyOf = (hkdMinor: number) => convertMinor(money(hkdMinor, "HKD"), HKD_TO_CNY).amountMinor;

describe("a day's rotation of three legs, offline between them", () => {
  let ground: GroundProcesses;
  let api: GroundApi;
  let db: pg.Client;
  let rotationId: string;
  const legs: OpenedFlight[] = [];
  const passengersByLeg: Passenger[][] = [];
  /** What the terminals sold on each leg, read from their own records before the next leg opened. */
  const salesByLeg: TerminalSale[][] = [];
  /** Each terminal's end-of-service report, per leg: what the purser hands over. */
  const reportsByLeg: ServiceReport[][] = [];
  const links: Link[] = [newLink(), newLink()];
  const cores: Terminal[] = [];
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

  it("plans the rotation: leg 1 loaded with stock, leg 2 carrying it over, leg 3 re-stocked", async () => {
    legs.push(await openFlight(api, ground.opsKey, "8871", { departureInMs: 3 * HOUR_MS, origin: "PVG", destination: "CTU" }));
    legs.push(
      await openFlight(api, ground.opsKey, "8872", {
        departureInMs: 6 * HOUR_MS,
        origin: "CTU",
        destination: "PVG",
        catalogCsv: SAMPLE_PRICES_CSV,
      }),
    );
    legs.push(
      await openFlight(api, ground.opsKey, "8873", { departureInMs: 9 * HOUR_MS, origin: "PVG", destination: "HKG", currency: "HKD" }),
    );
    await api("PUT", `/ops/flights/${legs[2]!.flightId}/rates`, { token: ground.opsKey, body: { rates: [HKD_TO_CNY] } });
    const rotation = await api("POST", "/ops/rotations", {
      token: ground.opsKey,
      body: { aircraft: "B-30AA", date: legs[0]!.ref.date, flightIds: legs.map((leg) => leg.flightId) },
    });
    rotationId = rotation.rotationId;
    expect(rotation.legs.map((leg: { legNumber: number; stockCarried: boolean }) => [leg.legNumber, leg.stockCarried])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    // Leg 2 has no stock of its own: its trolleys are leg 1's.
    expect(rotation.legs[1].trolleys.map((t: { trolleyId: string }) => t.trolleyId)).toEqual(["A", "B"]);
    for (const leg of legs)
      passengersByLeg.push(
        await registerPassengers(api, ground.opsKey, leg.flightId, PASSENGERS_PER_LEG, () => ({
          fundedMinor: 50_000,
          capMinor: CAP_MINOR,
        })),
      );
  });

  it("enrols a terminal on each trolley for the whole rotation, which loads all three legs from its enrolment alone; a second terminal for a trolley is refused", async () => {
    for (const [index, trolleyId] of ["A", "B"].entries()) {
      const { code } = await api("POST", "/ops/enrolment-codes", {
        token: ground.opsKey,
        body: { name: `Trolley ${trolleyId}`, rotationId, trolleyId },
      });
      const core = linkedCore(links[index]!, index === 0 ? { autoUploadEveryMs: 200 } : {});
      cores.push(core);
      await core["enrolment/enrol"]({ groundUrl: ground.url, code });
      const loaded = await core["manifest/load-assigned"]({});
      expect(loaded.flights.map((f) => [f.flightKey, f.trolleyId, f.rotation?.legNumber])).toEqual(
        legs.map((leg, legIndex) => [`9C${leg.ref.number}/${leg.ref.date}`, trolleyId, legIndex + 1]),
      );
      expect(loaded.current.flightKey).toBe(loaded.flights[0]!.flightKey);
    }
    // Trolley A is held: a code for it is refused, saying by whom and how ops free it.
    await expect(
      api("POST", "/ops/enrolment-codes", { token: ground.opsKey, body: { name: "Spare", rotationId, trolleyId: "A" } }),
    ).rejects.toThrow(/409 .*trolley_taken.*Trolley A.*release/);
    const planned = await api("GET", `/ops/rotations/${rotationId}`, { token: ground.opsKey });
    expect(planned.legs[2].trolleys.map((t: { terminalName: string }) => t.terminalName)).toEqual(["Trolley A", "Trolley B"]);
  });

  it("sells leg 1 with no ground, closes it with the seal numbers, and opens leg 2 with exactly the stock left", async () => {
    for (const link of links) link.down = true;
    await sellLeg(0);
    const left = await Promise.all(cores.map((core) => core["service/report"]({})));
    await closeLeg("SEAL-1001");
    // A's seal is intact across the turnaround; B's purser finds another number on it.
    for (const [index, core] of cores.entries()) {
      const seal = index === 0 ? "SEAL-1001" : "SEAL-9999";
      const opened = await core["service/open-next"]({ sealNumber: seal });
      expect(opened).toMatchObject({ flightKey: `9C8872/${legs[1]!.ref.date}`, sealAtOpen: seal, serviceClosed: false });
      expect(opened.rotation).toMatchObject({ legNumber: 2, stockCarried: true });
      const stock = Object.fromEntries((await core["catalog/list"]({})).map((item) => [item.sku, item.stockLeft]));
      expect(stock).toEqual(left[index]!.stockLeft);
    }
  });

  it("sells leg 2 still offline; a re-enrolment is refused while records are unsent", async () => {
    await sellLeg(1);
    await closeLeg("SEAL-1002");
    await expect(cores[1]!["enrolment/enrol"]({ groundUrl: ground.url, code: "AAAA-BBBB-CCCC" })).rejects.toMatchObject({
      code: "records_unsent",
    });
    const unsent = (await cores[1]!["status/get"]({})).unsentByFlight.map((row) => row.flightKey);
    expect(unsent).toEqual(legs.slice(0, 2).map((leg) => `9C${leg.ref.number}/${leg.ref.date}`));
  });

  it("at the turnaround the ground is back: A uploads legs 1 and 2 by itself while leg 3 sells", async () => {
    for (const core of cores) await core["service/open-next"]({});
    // Leg 3 was re-stocked: it opens with what ops loaded, not what leg 2 left.
    const chocolates = (await cores[0]!["catalog/list"]({})).find((item) => item.sku === "DF-CHO-040");
    expect(chocolates?.stockLeft).toBe(20);
    links[0]!.down = false;
    await sellLeg(2);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const unsent = (await cores[0]!["status/get"]({})).unsentByFlight.map((row) => row.flightKey);
      if (!unsent.some((key) => key !== `9C8873/${legs[2]!.ref.date}`)) break;
      if (Date.now() > deadline) throw new Error(`A never uploaded legs 1 and 2 by itself: ${unsent.join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await closeLeg("SEAL-1003");
  });

  it("after the last landing B uploads all three legs oldest first, and every leg settles and closes", async () => {
    links[1]!.down = false;
    const uploaded = await cores[1]!["sync/upload"]({});
    expect(uploaded.flights.map((f) => f.flightKey)).toEqual(legs.map((leg) => `9C${leg.ref.number}/${leg.ref.date}`));
    expect(uploaded.rejected).toEqual([]);
    await cores[0]!["sync/upload"]({});
    for (const core of cores) expect((await core["status/get"]({})).unsentRecords).toBe(0);
    for (const leg of legs) {
      const report = await waitUntilClosed(api, ground.financeKey, leg.flightId, () => ground.log().slice(-4_000));
      expect(report.status, leg.ref.number).toBe("settled");
    }
  });

  it("debits every approved sale of every leg exactly once, and the ledger sums to zero", async () => {
    for (const [index, leg] of legs.entries()) {
      const toAccount = index === 2 ? cnyOf : undefined;
      const facts = await gatherFacts(db, api, ground.financeKey, leg.flightId, salesByLeg[index]!, passengersByLeg[index]!, toAccount);
      expect(facts.sales.length, `leg ${index + 1}`).toBeGreaterThan(0);
      expect(auditFlight(facts), `leg ${index + 1}`).toEqual([]);
    }
    expect(await api("GET", "/finance/ledger", { token: ground.financeKey })).toMatchObject({ balanced: true, accountsOutOfBalance: [] });
  });

  it("shows finance sold against loaded per leg, from the ground's own records: each leg's left is what its trolleys handed over", async () => {
    const rotation = await api("GET", `/finance/rotations/${rotationId}/stock`, { token: ground.financeKey });
    type Line = { trolleyId: string; sku: string; loaded: number; sold: number; left: number };
    for (const [legIndex, leg] of rotation.legs.entries()) {
      expect(leg.stockCarried, `leg ${legIndex + 1}`).toBe(legIndex === 1);
      for (const [terminalIndex, trolleyId] of ["A", "B"].entries()) {
        const handedOver = reportsByLeg[legIndex]![terminalIndex]!.stockLeft;
        const left = Object.fromEntries(
          leg.stock
            .filter((line: Line) => line.trolleyId === trolleyId && line.sku in handedOver)
            .map((line: Line) => [line.sku, line.left]),
        );
        expect(left, `leg ${legIndex + 1} trolley ${trolleyId}`).toEqual(handedOver);
      }
    }
    // Leg 2 opened with exactly what leg 1 left.
    const leftOfLeg1 = rotation.legs[0].stock.map((line: Line) => [line.trolleyId, line.sku, line.left]);
    expect(rotation.legs[1].stock.map((line: Line) => [line.trolleyId, line.sku, line.loaded])).toEqual(leftOfLeg1);
    const { loadedByOps, sold, offloadedAtRestock, leftAtEnd } = rotation.totals;
    expect(sold).toBeGreaterThan(0);
    expect(loadedByOps).toBe(sold + offloadedAtRestock + leftAtEnd);
    const legTwo = await api("GET", `/finance/flights/${legs[1]!.flightId}/reconciliation`, { token: ground.financeKey });
    expect(legTwo.rotation).toMatchObject({ legNumber: 2, legCount: 3, stockCarried: true });
    // The HKD leg: sold in HKD, debited in CNY, the rate beside them.
    const legThree = await api("GET", `/finance/flights/${legs[2]!.flightId}/reconciliation`, { token: ground.financeKey });
    const byCurrency = Object.fromEntries(legThree.currencies.map((c: { currency: string }) => [c.currency, c]));
    const approvedHkd = byCurrency["HKD"].approved.amountMinor;
    expect(approvedHkd).toBeGreaterThan(0);
    expect(byCurrency["CNY"].approved.count).toBe(0);
    expect(byCurrency["CNY"].debited.totalMinor).toBeGreaterThan(0);
    expect(legThree.rates).toEqual([{ ...HKD_TO_CNY, text: "1 HKD = 0.9123 CNY" }]);
  });

  it("has each trolley's handover per leg on the ground: seals at open and close checked across the turnaround, stock left as counted", async () => {
    const handovers = [];
    for (const leg of legs)
      handovers.push((await api("GET", `/finance/flights/${leg.flightId}/reconciliation`, { token: ground.financeKey })).handovers);
    type Handover = {
      trolleyId: string;
      sealAtOpen: string | null;
      sealAtClose: string;
      sealContinuity: string;
      stockMismatches: unknown[];
    };
    const seen = handovers.map((list) => list.map((h: Handover) => [h.trolleyId, h.sealAtOpen, h.sealAtClose, h.sealContinuity]));
    expect(seen).toEqual([
      [
        ["A", null, "SEAL-1001", "unknown"],
        ["B", null, "SEAL-1001", "unknown"],
      ],
      [
        ["A", "SEAL-1001", "SEAL-1002", "intact"],
        ["B", "SEAL-9999", "SEAL-1002", "broken"],
      ],
      [
        ["A", null, "SEAL-1003", "unknown"],
        ["B", null, "SEAL-1003", "unknown"],
      ],
    ]);
    for (const list of handovers) for (const handover of list) expect(handover.stockMismatches).toEqual([]);
  });

  function linkedCore(link: Link, options: { autoUploadEveryMs?: number }): Terminal {
    return createTerminalCore({
      dataDir: mkdtempSync(join(tmpdir(), "cabinpay-e2e-rotation-")),
      ...options,
      fetch: async (input, init) => {
        if (link.down) throw new TypeError("network is unreachable");
        return fetch(input, init);
      },
    });
  }

  /** Half of the leg's passengers on each trolley, a drink and a snack each; A's purser voids one sale. */
  async function sellLeg(legIndex: number): Promise<void> {
    const hkd = legIndex === 2;
    const [a, b] = [cores[0]!, cores[1]!];
    expect(await a["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: true });
    expect(await b["crew/login"]({ crewId: "C1002", pin: "1357" })).toMatchObject({ ok: true });
    for (const p of passengersByLeg[legIndex]!) {
      const core = p.index % 2 === 0 ? a : b;
      await core["cart/clear"]({});
      await core["cart/add"]({ sku: "DR-COF-300" });
      await core["cart/add"]({ sku: p.index % 3 === 0 ? "DF-CHO-040" : "SN-NUT-200" });
      const result = await core["sale/charge"]({ voucherText: p.voucherText });
      expect(result, `leg ${legIndex + 1} passenger ${p.index}`).toMatchObject({ ok: true });
      // On the HKD leg the receipt shows the CNY debit at the leg's rate.
      if (result.ok && hkd)
        expect(result.receipt).toMatchObject({
          currency: "HKD",
          chargedCurrency: "CNY",
          chargedMinor: cnyOf(result.receipt.totalMinor),
          rate: { text: "1 HKD = 0.9123 CNY", source: HKD_TO_CNY.source },
        });
    }
    const [first] = await a["sale/list"]({});
    expect(await a["sale/void"]({ recordId: first!.recordId, reason: "wrong_item" })).toMatchObject({ ok: true });
  }

  async function closeLeg(seal: string): Promise<void> {
    for (const core of cores) {
      await core["crew/logout"]({});
      expect(await core["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: true });
      expect(await core["service/close"]({ sealNumber: seal })).toMatchObject({ ok: true });
      expect((await core["status/get"]({})).flight).toMatchObject({ serviceClosed: true, sealAtClose: seal });
    }
    salesByLeg.push(await coreSales(cores));
    reportsByLeg.push(await Promise.all(cores.map((core) => core["service/report"]({}))));
  }
});
