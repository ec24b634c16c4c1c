/**
 * Faults while flights land, against the built ground service (API and workers as processes) on
 * real PostgreSQL and a Redis of the test's own (append-only, restartable). Each case lands a busy
 * flight of two terminals under one fault, then audits the money from the terminals' records, the
 * ground's settlements and the ledger: nothing lost, nothing doubled, the ledger zero-sum, every
 * hold resolved once.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTerminalCore } from "@cabinpay/cabin-terminal/internal/core/api";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  coreSales,
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
const TERMINAL_KILLS = 5;
const WORKER_KILLS = 4;
const SELLING_TERMINAL = fileURLToPath(new URL("../support/selling-terminal.ts", import.meta.url));
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

  const registered = async (flight: OpenedFlight) =>
    registerPassengers(api, ground.opsKey, flight.flightId, PASSENGERS, () => ({ fundedMinor: 50_000, capMinor: 30_000 }));

  /**
   * A flight whose two terminals each sold five baskets to every passenger, services closed: ready
   * to upload. Each terminal's clock may be off by its `clockOffsetsMs`.
   */
  async function busyFlight(clockOffsetsMs: readonly [number, number] = [0, 0]): Promise<BusyFlight> {
    const flight = await openFlight(api, ground.opsKey, String(flightNumber++));
    const passengers = await registered(flight);
    const links: [Link, Link] = [newLink(), newLink()];
    const clock = (offsetMs: number) => ({ now: () => Date.now() + offsetMs });
    const terminals: [Terminal, Terminal] = [
      await enrolTerminal(api, ground, flight, "A", links[0], clock(clockOffsetsMs[0])),
      await enrolTerminal(api, ground, flight, "B", links[1], clock(clockOffsetsMs[1])),
    ];
    opened.push(...terminals);
    for (const terminal of terminals) {
      expect(await terminal["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: true });
      for (const p of passengers)
        for (const basket of BASKETS) {
          await terminal["cart/clear"]({});
          for (const sku of basket) await terminal["cart/add"]({ sku });
          expect(await terminal["sale/charge"]({ voucherText: p.voucherText })).toMatchObject({ ok: true });
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
  async function expectSettledOnce(
    busy: { readonly flight: OpenedFlight; readonly passengers: Passenger[]; readonly terminals: readonly Terminal[] },
    salesCount = 2 * PASSENGERS * BASKETS.length,
  ): Promise<void> {
    await waitUntilClosed(api, ground.financeKey, busy.flight.flightId, () => ground.log().slice(-6_000));
    const facts = await gatherFacts(db, api, ground.financeKey, busy.flight.flightId, await coreSales(busy.terminals), busy.passengers);
    expect(facts.sales).toHaveLength(salesCount);
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

  it("the worker process SIGKILLed again and again in the middle of settlement, each time started again", async () => {
    const busy = await busyFlight();
    const total = 2 * PASSENGERS * BASKETS.length;
    const settledCount = async () =>
      Number(
        (await db.query("SELECT count(*) FROM settlements WHERE flight_id = $1 AND status <> 'pending'", [busy.flight.flightId])).rows[0]
          .count,
      );
    // The records wait in the queue while no worker runs.
    await ground.kill("worker", "SIGKILL");
    for (const terminal of busy.terminals)
      expect(await upload(terminal, 10)).toMatchObject({ rejected: [], duplicate: 0, serviceClosed: true });
    let killedMidway = 0;
    for (let round = 0; round < WORKER_KILLS; round++) {
      const before = await settledCount();
      await ground.start("worker");
      // Killed as soon as it has settled something more: what it held is taken over once its lock expires.
      const deadline = Date.now() + 30_000;
      while ((await settledCount()) === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
      if ((await settledCount()) === total) break;
      await ground.kill("worker", "SIGKILL");
      killedMidway += 1;
    }
    if (!ground.isRunning("worker")) await ground.start("worker");
    expect(killedMidway).toBeGreaterThanOrEqual(2);
    await expectSettledOnce(busy);
  });

  it("terminals whose clocks are hours apart: the ground's refusal of a skewed request teaches the terminal its offset, and both upload", async () => {
    // Trolley A's clock is 3 h 10 min fast (never set after a battery change); B's is 4 min slow,
    // inside the ground's window of 5 minutes for signed requests.
    const fastMs = 3 * 3_600_000 + 10 * 60_000;
    const busy = await busyFlight([fastMs, -4 * 60_000]);
    for (const terminal of busy.terminals)
      expect(await upload(terminal, 20)).toMatchObject({ rejected: [], duplicate: 0, serviceClosed: true });
    await expectSettledOnce(busy);
    // The records keep the times their terminals gave them: evidence is never rewritten.
    const [sale] = (await busy.terminals[0]["sale/list"]({})).slice(0, 1);
    const stored = await db.query("SELECT created_at_ms FROM sale_records WHERE id = $1", [sale!.recordId]);
    expect(Number(stored.rows[0].created_at_ms) - Date.now()).toBeGreaterThan(fastMs - 600_000);
  });

  it("a terminal SIGKILLed mid-sale, again and again, then closes its service and uploads as normal", async () => {
    const flight = await openFlight(api, ground.opsKey, String(flightNumber++));
    const passengers = await registered(flight);
    const dataDir = mkdtempSync(join(tmpdir(), "cabinpay-e2e-killed-terminal-"));
    (await enrolTerminal(api, ground, flight, "A", newLink(), { dataDir })).close();
    const vouchersFile = join(dataDir, "vouchers.json");
    writeFileSync(vouchersFile, JSON.stringify(passengers.map((p) => p.voucherText)));
    const reported = new Set<string>();
    let killedWhileSelling = 0;
    for (let round = 0; round < TERMINAL_KILLS; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@cabinpay/source", SELLING_TERMINAL, dataDir, vouchersFile], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let printed = "";
      let approvedThisRound = 0;
      child.stderr.on("data", (chunk: Buffer) => {
        printed += chunk.toString();
      });
      child.stdout.on("data", (chunk: Buffer) => {
        printed += chunk.toString();
        for (const [, recordId] of printed.matchAll(/^approved (\S+)$/gm)) reported.add(recordId!);
        approvedThisRound = [...printed.matchAll(/^approved /gm)].length;
      });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      const target = 3 + Math.floor(Math.random() * 12);
      const deadline = Date.now() + 60_000;
      while (approvedThisRound < target && child.exitCode === null && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 2));
      if (child.exitCode === null) killedWhileSelling += 1;
      child.kill("SIGKILL");
      await exited;
      expect(approvedThisRound, printed.slice(-2_000)).toBeGreaterThanOrEqual(target);
    }
    expect(killedWhileSelling).toBe(TERMINAL_KILLS);

    // The terminal starts again as crew would start it: every approved sale is there.
    const terminal = createTerminalCore({ dataDir });
    opened.push(terminal);
    const sales = await terminal["sale/list"]({});
    for (const recordId of reported) expect(sales.map((s) => s.recordId)).toContain(recordId);
    expect(await terminal["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: true });
    await terminal["service/close"]({});
    expect(await upload(terminal, 25)).toMatchObject({ rejected: [], duplicate: 0, serviceClosed: true });
    await expectSettledOnce({ flight, passengers, terminals: [terminal] }, sales.length);
  });
});
