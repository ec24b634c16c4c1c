import { newId } from "@cabinpay/shared";
import { QueueEvents } from "bullmq";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { deployment } from "../src/db/schema/deployment.js";
import { requestNonces, terminals } from "../src/db/schema/terminals.js";
import { type Maintenance, startMaintenance } from "../src/jobs/maintenance.js";
import { airlineAccount, balanceOf, createPending, fundWallet, getAccount, walletAccount } from "../src/ledger/ledger.js";
import { createTestDatabase, type TestDatabase } from "./support/databases.js";

describe("the maintenance worker (BullMQ on real Redis)", () => {
  let database: TestDatabase;
  let maintenance: Maintenance;
  let events: QueueEvents;
  const clock = { nowMs: 1_796_000_000_000 };
  const prefix = `test-${newId()}`;
  let deploymentId: string;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    deploymentId = (await database.handle.db.select().from(deployment))[0]!.deploymentId;
    maintenance = await startMaintenance({
      db: database.handle.db,
      redisUrl: inject("redisUrl"),
      prefix,
      deploymentId,
      now: () => clock.nowMs,
      logger: pino({ level: "silent" }),
    });
    events = new QueueEvents("maintenance", { connection: { url: inject("redisUrl") }, prefix });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events.close();
    await maintenance.queue.obliterate({ force: true });
    await maintenance.close();
    await database.drop();
  });

  const run = async (name: string, data: object = { deploymentId }) => {
    const job = await maintenance.queue.add(name, data, { jobId: `${name.replace("/", "-")}-${newId()}`, attempts: 1 });
    return job.waitUntilFinished(events, 30_000);
  };

  it("refuses, without retrying, a job made for another deployment's database", async () => {
    const job = await maintenance.queue.add("holds/expire", { deploymentId: newId() }, { jobId: `foreign-${newId()}`, attempts: 5 });
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(/not this database's/);
    const failed = await maintenance.queue.getJob(job.id!);
    expect([await failed!.getState(), failed!.attemptsMade]).toEqual(["failed", 1]);
    await expect(run("holds/expire", {})).rejects.toThrow(/not this database's/);
  });

  it("schedules every job every minute", async () => {
    const schedulers = await maintenance.queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.name, s.every]).sort()).toEqual([
      ["holds/expire", 60_000],
      ["holds/release-closed", 60_000],
      ["nonces/purge", 60_000],
      ["shortfalls/collect", 60_000],
    ]);
  });

  it("expires holds past their time, once, however often it runs", async () => {
    const db = database.handle.db;
    const wallet = await db.transaction(async (tx) => {
      const w = await walletAccount(tx, newId(), "CNY", clock.nowMs);
      const holds = await airlineAccount(tx, "inflight_holds", "CNY", clock.nowMs);
      await fundWallet(tx, { transferId: newId(), walletAccountId: w.id, amountMinor: 9_000, nowMs: clock.nowMs });
      await createPending(tx, {
        id: newId(),
        debitAccountId: w.id,
        creditAccountId: holds.id,
        amountMinor: 9_000,
        currency: "CNY",
        code: "hold",
        nowMs: clock.nowMs,
        expiresAtMs: clock.nowMs + 1_000,
      });
      return w;
    });
    expect(await run("holds/expire")).toEqual({ expired: 0 });
    clock.nowMs += 1_000;
    expect(await run("holds/expire")).toEqual({ expired: 1 });
    expect(await run("holds/expire")).toEqual({ expired: 0 });
    expect(balanceOf(await getAccount(db, wallet.id))).toMatchObject({ availableMinor: 9_000, pendingDebitsMinor: 0 });
  });

  it("forgets request nonces once they are outside the replay window", async () => {
    const db = database.handle.db;
    await db
      .insert(terminals)
      .values({ id: "0193c000-0000-7000-8000-0000000000e1", name: "T", publicKey: new Uint8Array(32), enrolledAtMs: 0 });
    await db.insert(requestNonces).values([
      { terminalId: "0193c000-0000-7000-8000-0000000000e1", nonce: "old-nonce-00000001", seenAtMs: clock.nowMs - 11 * 60_000 },
      { terminalId: "0193c000-0000-7000-8000-0000000000e1", nonce: "new-nonce-00000001", seenAtMs: clock.nowMs - 60_000 },
    ]);
    expect(await run("nonces/purge")).toEqual({ purged: 1 });
    expect((await db.select().from(requestNonces)).map((row) => row.nonce)).toEqual(["new-nonce-00000001"]);
  });
});
