/**
 * Faults while flights land, against the built ground service (API and workers as processes) on
 * real PostgreSQL and a Redis of the test's own (append-only, restartable). Each case lands a busy
 * flight of two terminals under one fault, then audits the money from the terminals' records, the
 * ground's settlements and the ledger: nothing lost, nothing doubled, the ledger zero-sum, every
 * hold resolved once.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  enrolTerminal,
  type GroundApi,
  gatherFacts,
  groundApi,
  type Link,
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
import { type PrivateRedis, startPrivateRedis } from "../support/private-redis.js";

const PASSENGERS = 12;
const BASKETS = [["DR-COF-300"], ["ML-NOO-100", "DR-TEA-301"], ["SN-NUT-200", "SN-CHP-201"], ["DR-BEE-302"], ["ML-SAN-103"]];

interface BusyFlight {
  readonly flight: OpenedFlight;
  readonly passengers: Passenger[];
  readonly terminals: [Terminal, Terminal];
  readonly links: [Link, Link];
}

describe("faults while flights land", () => {
  let redis: PrivateRedis;
  let ground: GroundProcesses;
  let api: GroundApi;
  let db: pg.Client;
  const opened: Terminal[] = [];
  let flightNumber = 8700;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    ground = await startGroundProcesses({ postgresUrl: inject("postgresUrl"), redisUrl: redis.url });
    api = groundApi(ground.url);
    db = new pg.Client({ connectionString: ground.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    for (const core of opened) core.close();
    await db?.end();
    await ground?.stop();
    await redis?.kill();
  });

  /** A flight whose two terminals each sold five baskets to every passenger, services closed: ready to upload. */
  async function busyFlight(): Promise<BusyFlight> {
    const flight = await openFlight(api, ground.opsKey, String(flightNumber++));
    const passengers = await registerPassengers(api, ground.opsKey, flight.flightId, PASSENGERS, () => ({
      fundedMinor: 50_000,
      capMinor: 30_000,
    }));
    const links: [Link, Link] = [newLink(), newLink()];
    const terminals: [Terminal, Terminal] = [
      await enrolTerminal(api, ground, flight, "A", links[0]),
      await enrolTerminal(api, ground, flight, "B", links[1]),
    ];
    opened.push(...terminals);
    for (const terminal of terminals) {
      expect(await terminal["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: true });
      for (const p of passengers)
        for (const basket of BASKETS) {
          await terminal["cart/clear"]({});
          for (const sku of basket) await terminal["cart/add"]({ sku });
          expect(await terminal["sale/charge"]({ voucherText: p.voucherText })).toMatchObject({ approved: true });
        }
      await terminal["service/close"]({});
    }
    return { flight, passengers, terminals, links };
  }

  /** An upload, which on failure also shows what the ground's processes printed. */
  async function upload(terminal: Terminal, batchSizeMax: number) {
    try {
      return await terminal["sync/upload"]({ batchSizeMax });
    } catch (error) {
      throw new Error(`${(error as Error).message}\nthe ground printed:\n${ground.log().slice(-6_000)}`);
    }
  }

  /** Waits for the workers to settle and close the flight, then audits its money. */
  async function expectSettledOnce(busy: BusyFlight): Promise<void> {
    await waitUntilClosed(api, ground.financeKey, busy.flight.flightId, () => ground.log().slice(-6_000));
    const facts = await gatherFacts(db, api, ground.financeKey, busy.flight.flightId, busy.terminals, busy.passengers);
    expect(facts.sales).toHaveLength(2 * PASSENGERS * BASKETS.length);
    expect(auditFlight(facts)).toEqual([]);
  }

  it("the API process SIGKILLed during an upload: the terminal retries until it is back, resumes, and nothing is doubled", async () => {
    const busy = await busyFlight();
    let struck = false;
    busy.links[0].beforeBatch = (sent) => {
      if (sent !== 3 || struck) return;
      struck = true;
      // The batch is on its way as the process dies; it is back a second later.
      void ground
        .kill("serve", "SIGKILL")
        .then(() => new Promise((resolve) => setTimeout(resolve, 1_000)))
        .then(() => ground.start("serve"));
    };
    const uploaded = await upload(busy.terminals[0], 10);
    expect(struck).toBe(true);
    expect(uploaded).toMatchObject({ rejected: [], serviceClosed: true });
    expect(uploaded.accepted + uploaded.duplicate).toBe(PASSENGERS * BASKETS.length + 1);
    expect(await upload(busy.terminals[1], 10)).toMatchObject({ rejected: [], duplicate: 0 });
    await expectSettledOnce(busy);
  });

  it("Redis away while both terminals upload, then restarted from its append-only file in the middle of settlement", async () => {
    const busy = await busyFlight();
    await redis.kill();
    // The ground still takes the uploads: committed to PostgreSQL, queued for settlement later.
    for (const terminal of busy.terminals)
      expect(await upload(terminal, 20)).toMatchObject({ rejected: [], duplicate: 0, serviceClosed: true });
    await redis.start();
    // Once settlement is under way, Redis dies again without warning and comes back.
    const pending = async () =>
      Number(
        (await db.query("SELECT count(*) FROM settlements WHERE flight_id = $1 AND status = 'pending'", [busy.flight.flightId])).rows[0]
          .count,
      );
    const total = await pending();
    expect(total).toBe(2 * PASSENGERS * BASKETS.length);
    const deadline = Date.now() + 60_000;
    while ((await pending()) === total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.start();
    await expectSettledOnce(busy);
  });

  it("PostgreSQL connections dropped mid-transaction, again and again, during uploads and settlement", async () => {
    const busy = await busyFlight();
    let dropping = true;
    let dropped = 0;
    const dropper = (async () => {
      while (dropping) {
        const result = await db.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        );
        dropped += result.rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    try {
      for (const terminal of busy.terminals) expect(await upload(terminal, 5)).toMatchObject({ rejected: [], serviceClosed: true });
      const pending = await db.query("SELECT count(*)::int AS n FROM settlements WHERE flight_id = $1", [busy.flight.flightId]);
      expect(pending.rows[0].n).toBe(2 * PASSENGERS * BASKETS.length);
      // Let the drops go on through the start of settlement.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      dropping = false;
      await dropper;
    }
    expect(dropped).toBeGreaterThan(0);
    await expectSettledOnce(busy);
    // Neither process crashed on a connection dropped under it.
    expect([ground.isRunning("serve"), ground.isRunning("worker")]).toEqual([true, true]);
  });
});
