/**
 * Faults during settlement: a worker process SIGKILLed again and again in the middle of its work,
 * and Redis down while terminals upload. Afterwards every sale is debited exactly once and the
 * money invariants hold.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@cabinpay/shared/node";
import { and, eq, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registrations } from "../src/db/schema/registrations.js";
import { settlements } from "../src/db/schema/uploads.js";
import { closeFlight, releaseHoldsOfClosedFlights } from "../src/services/flight-close.js";
import { getFlight } from "../src/services/flights.js";
import { createIngest } from "../src/services/ingest.js";
import { REENQUEUE_AFTER_MS, type SettlementJobs, sweepOutbox } from "../src/services/outbox.js";
import { bearer, call, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { assertMoneyInvariants, pendingCount, settled, waitFor, withWorker } from "./support/settle.js";

const CLI = new URL("../src/cli.ts", import.meta.url).pathname;
const PRICES = [1_200, 1_500, 1_800, 2_000, 2_500, 3_200, 4_500, 4_800];

interface Buyer {
  readonly token: string;
  readonly voucher: string;
  readonly fundedMinor: number;
  readonly capMinor: number;
  spentMinor: number;
}

/**
 * A flight with `buyers` registered passengers and terminal A selling `sales` items round-robin.
 * `departureAtMs` near the real clock where a process of its own settles it: a worker's clock is
 * the machine's, and a voucher's hold expires a week after departure (the sample flight's did at
 * 2026-12-07 23:25 UTC, and this suite's killed workers then found every hold expired).
 */
async function busyFlight(t: TestApp, buyers: number, sales: number, departureAtMs = DEPARTURE_MS) {
  const { ops } = await staffKeys(t);
  const { flightId } = await createFlight(t, ops, { departureAtMs });
  await loadFlight(t, ops, flightId);
  const cabin = new CabinTerminal(t, await enrolTerminal(t, ops, flightId), flightId);
  const people: Buyer[] = [];
  for (let i = 0; i < buyers; i++) {
    // Some caps are below what they will spend, some wallets cannot cover the excess either.
    const capMinor = 40_000 + (i % 4) * 10_000;
    const fundedMinor = capMinor + (i % 3) * 10_000;
    const who = await passenger(t, ops, fundedMinor, `BUYER ${i}`);
    const { voucherText } = await register(t, who.token, flightId, capMinor);
    people.push({ token: who.token, voucher: voucherText, fundedMinor, capMinor, spentMinor: 0 });
  }
  t.clock.nowMs = departureAtMs + 3 * 3_600_000;
  for (let i = 0; i < sales; i++) {
    const buyer = people[i % buyers]!;
    const price = PRICES[i % PRICES.length]!;
    cabin.sale(buyer.voucher, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: price }]);
    buyer.spentMinor += price;
  }
  return { flightId, cabin, people };
}

/** What each wallet must show once everything settled: hold first, then balance, then shortfall. */
async function expectWallets(t: TestApp, people: readonly Buyer[]): Promise<void> {
  for (const buyer of people) {
    const fromHold = Math.min(buyer.spentMinor, buyer.capMinor);
    const fromBalance = Math.min(buyer.spentMinor - fromHold, buyer.fundedMinor - buyer.capMinor);
    const wallet = (await call(t.app, { method: "GET", url: "/me", headers: bearer(buyer.token) }, 200)).json().wallets[0];
    expect(wallet).toMatchObject({ postedMinor: buyer.fundedMinor - fromHold - fromBalance, heldMinor: buyer.capMinor - fromHold });
  }
}

describe("a settlement worker killed in the middle of its work", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp("postgres");
  });
  afterAll(async () => {
    await t.close();
  });

  function workerProcess(): ChildProcess {
    return spawn(process.execPath, ["--import", "tsx", "--conditions=@cabinpay/source", CLI, "worker"], {
      env: {
        ...process.env,
        DATABASE_URL: t.databaseUrl,
        REDIS_URL: t.infra.config.redisUrl,
        // The setting, not the prefix made of it: given that, the worker appended the deployment's
        // id again, never saw the uploads' jobs, and settled only what its sweeper re-enqueued
        // because the test's clock made every row look a week old.
        QUEUE_PREFIX: t.queuePrefixSetting,
        DATA_DIR: mkdtempSync(join(tmpdir(), "cabinpay-worker-")),
        WORKER_LOCK_MS: "2000",
        SETTLEMENT_CONCURRENCY: "2",
        LOG_LEVEL: "silent",
      },
      stdio: "ignore",
    });
  }

  it("recovers every job, and debits nothing twice", async () => {
    // On the machine's clock, which the worker processes keep: the test's own starts a day before departure.
    const departureAtMs = Date.now() - 3 * 3_600_000;
    t.clock.nowMs = departureAtMs - 24 * 3_600_000;
    const { flightId, cabin, people } = await busyFlight(t, 100, 10_000, departureAtMs);
    for (let from = 1; from <= 10_000; from += 1_000) expect((await cabin.upload(cabin.batch(from, from + 999))).statusCode).toBe(200);
    const total = await pendingCount(t, flightId);
    expect(total).toBe(10_000);

    let killsMidWork = 0;
    for (let round = 0; round < 6 && (await pendingCount(t, flightId)) > 0; round++) {
      const child = workerProcess();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // Let it start (a few seconds under tsx) and settle something, then kill it without warning.
      const before = await pendingCount(t, flightId);
      await waitFor(
        "worker to make progress",
        async () => ((await pendingCount(t, flightId)) < before || child.exitCode !== null ? true : undefined),
        60_000,
      );
      if ((await pendingCount(t, flightId)) > 0) killsMidWork += 1;
      child.kill("SIGKILL");
      await exited;
    }
    expect(killsMidWork).toBeGreaterThan(0);
    // A last worker finishes the work the killed ones left, once their locks expire.
    const last = workerProcess();
    try {
      await waitFor("settlement after the kills", async () => ((await pendingCount(t, flightId)) === 0 ? true : undefined), 120_000);
    } finally {
      last.kill("SIGTERM");
    }
    const rows = await t.db.select().from(settlements).where(eq(settlements.flightId, flightId));
    expect(rows.filter((row) => row.status === "pending")).toEqual([]);
    await expectWallets(t, people);
    await assertMoneyInvariants(t, true);
  }, 300_000);
});

describe("Redis down while terminals upload", () => {
  let port: number;
  let redis: ChildProcess;
  let t: TestApp;
  const startRedis = () =>
    spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const redisUp = () => {
    try {
      return execFileSync("redis-cli", ["-p", String(port), "ping"])
        .toString()
        .trim() === "PONG"
        ? true
        : undefined;
    } catch {
      return undefined;
    }
  };

  beforeAll(async () => {
    port = await freePort();
    redis = startRedis();
    await waitFor("private Redis", async () => redisUp());
    t = await createTestApp("postgres", { REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    redis.kill("SIGKILL");
    await t.close().catch(() => {});
  });

  it("keeps the uploaded records and settles them once Redis is back", async () => {
    const { flightId, cabin, people } = await busyFlight(t, 5, 60);
    redis.kill("SIGKILL");
    await waitFor("Redis to stop", async () => (redisUp() ? undefined : true));

    const response = await cabin.upload();
    expect(response.statusCode).toBe(200);
    expect(response.json().records.every((r: { outcome: string }) => r.outcome === "accepted")).toBe(true);
    const stored = await t.db.select().from(settlements).where(eq(settlements.flightId, flightId));
    expect(stored).toHaveLength(60);
    expect(stored.every((row) => row.status === "pending" && row.enqueuedAtMs === null)).toBe(true);
    const ready = await t.app.inject({ method: "GET", url: "/ready" });
    expect(ready.statusCode).toBe(503);

    redis = startRedis();
    await waitFor("Redis to restart", async () => redisUp());
    await withWorker(t, () => settled(t, flightId)); // its sweeper finds the rows nobody could enqueue
    await expectWallets(t, people);
    await assertMoneyInvariants(t, true);
  }, 120_000);
});

/** An upload's commit as an upload stores it (its settlements marked enqueued), and no enqueue: the API stopped, or its answer was lost. */
async function committedNotQueued(t: TestApp, cabin: CabinTerminal, flightId: string): Promise<number> {
  const flight = await getFlight(t.db, flightId);
  const uploadedAtMs = t.clock.nowMs;
  const outcome = await createIngest({ db: t.db, jobs: t.infra.settlementJobs }).ingest({
    terminalId: cabin.terminal.terminalId,
    flightId,
    bytes: cabin.batch(),
    nowMs: uploadedAtMs,
    flight,
    assignedTrolleyId: "A",
    enqueuedAtMs: uploadedAtMs,
  });
  expect(outcome).toMatchObject({ kind: "accepted" });
  expect(outcome.kind === "accepted" && outcome.settling.length).toBe(24);
  return uploadedAtMs;
}

describe("an API that stops between an upload's commit and handing it to the queue", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp("postgres");
  });
  afterAll(async () => {
    await t.close();
  });

  it("strands nothing: the sweeper enqueues the upload's settlements once they have waited REENQUEUE_AFTER_MS, and they settle", async () => {
    const { flightId, cabin, people } = await busyFlight(t, 3, 24);
    const uploadedAtMs = await committedNotQueued(t, cabin, flightId);
    // Taken for in the queue until they have waited long enough; then the sweeper takes them.
    expect(await sweepOutbox(t.db, t.infra.settlementJobs, uploadedAtMs + REENQUEUE_AFTER_MS - 1)).toBe(0);
    t.clock.nowMs = uploadedAtMs + REENQUEUE_AFTER_MS + 1;
    await withWorker(t, () => settled(t, flightId));
    await expectWallets(t, people);
    await assertMoneyInvariants(t, true);
  }, 120_000);
});

describe("a terminal that sends a batch again after its commit's answer was lost", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp("postgres");
  });
  afterAll(async () => {
    await t.close();
  });

  it("queues them at once when the terminal, never answered, sends the batch again: duplicates, settled without waiting", async () => {
    const { flightId, cabin, people } = await busyFlight(t, 3, 24);
    const uploadedAtMs = await committedNotQueued(t, cabin, flightId);
    const again = await cabin.upload();
    expect(again.statusCode).toBe(200);
    expect(new Set(again.json().records.map((r: { outcome: string }) => r.outcome))).toEqual(new Set(["duplicate"]));
    // Long before the sweeper would take them: the re-sent batch queued them.
    t.clock.nowMs = uploadedAtMs + 1_000;
    await withWorker(t, () => settled(t, flightId));
    await expectWallets(t, people);
    await assertMoneyInvariants(t, true);
    // Sent a third time, settled: nothing left to queue, nothing moved twice.
    expect((await cabin.upload()).statusCode).toBe(200);
    await withWorker(t, () => settled(t, flightId));
    await assertMoneyInvariants(t, true);
  }, 120_000);
});

describe("a terminal that sends a batch again while its first upload's jobs still wait", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp("postgres");
  });
  afterAll(async () => {
    await t.close();
  });

  it("names the same jobs again, which the queue keeps once, and every sale is debited once", async () => {
    const { flightId, cabin, people } = await busyFlight(t, 3, 24);
    // The real queue, with the job ids each upload hands it noted on the way.
    const jobIds: string[][] = [];
    const jobs: SettlementJobs = {
      settle: (chunks) => {
        jobIds.push(chunks.map((chunk) => chunk.jobId));
        return t.infra.settlementJobs.settle(chunks);
      },
      close: (id, force) => t.infra.settlementJobs.close(id, force),
    };
    const ingest = createIngest({ db: t.db, jobs });
    const bytes = cabin.batch();
    const input = { terminalId: cabin.terminal.terminalId, flightId, bytes, nowMs: t.clock.nowMs };
    // No worker runs: the first upload's jobs wait while the terminal, never answered, sends again (twice at once).
    expect(await ingest.upload(input)).toMatchObject({ kind: "accepted" });
    const again = await Promise.all([ingest.upload(input), ingest.upload(input)]);
    for (const outcome of again) {
      expect(outcome).toMatchObject({ kind: "accepted" });
      expect(outcome.kind === "accepted" && outcome.records.every((r) => r.outcome === "duplicate")).toBe(true);
      expect(outcome).not.toHaveProperty("enqueueError");
    }
    expect(jobIds).toHaveLength(3);
    expect(jobIds[1]).toEqual(jobIds[0]);
    expect(jobIds[2]).toEqual(jobIds[0]);
    await withWorker(t, () => settled(t, flightId));
    await expectWallets(t, people);
    await assertMoneyInvariants(t, true);
  }, 120_000);
});

describe("two closes of a flight and the closed-flight sweep at the same moment", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp("postgres");
  });
  afterAll(async () => {
    await t.close();
  });

  it("closes a flight once when two closes and the closed-flight sweep run at the same moment: each hold released once", async () => {
    const { flightId, cabin, people } = await busyFlight(t, 4, 16);
    await withWorker(t, async () => {
      expect((await cabin.upload()).statusCode).toBe(200);
      await settled(t, flightId);
    });
    const nowMs = t.clock.nowMs;
    const [first, second, swept] = await Promise.all([
      closeFlight(t.db, flightId, nowMs, { force: true }),
      closeFlight(t.db, flightId, nowMs, { force: true }),
      releaseHoldsOfClosedFlights(t.db, nowMs),
    ]);
    expect([first, second].sort()).toEqual(["already_closed", "closed"]);
    expect(swept).toBe(0);
    const open = await t.db
      .select()
      .from(registrations)
      .where(and(eq(registrations.flightId, flightId), isNotNull(registrations.currentHoldTransferId)));
    expect(open).toEqual([]);
    // Every wallet holds nothing more and paid exactly its sales once; no hold was resolved twice.
    for (const buyer of people) {
      const fromHold = Math.min(buyer.spentMinor, buyer.capMinor);
      const fromBalance = Math.min(buyer.spentMinor - fromHold, buyer.fundedMinor - buyer.capMinor);
      const wallet = (await call(t.app, { method: "GET", url: "/me", headers: bearer(buyer.token) }, 200)).json().wallets[0];
      expect(wallet).toMatchObject({ postedMinor: buyer.fundedMinor - fromHold - fromBalance, heldMinor: 0 });
    }
    await assertMoneyInvariants(t, true);
  }, 120_000);
});
