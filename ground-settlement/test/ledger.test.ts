import { newId } from "@cabinpay/shared";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client.js";
import { ApiError } from "../src/errors.js";
import {
  accountsOutOfBalance,
  airlineAccount,
  applyTransfers,
  balanceOf,
  createPending,
  createTransfer,
  duePendingIds,
  expirePending,
  fundWallet,
  getAccount,
  LedgerError,
  ledgerTotals,
  postPending,
  voidPending,
  walletAccount,
} from "../src/ledger/ledger.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "./support/databases.js";

const NOW = 1_796_000_000_000;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError || error instanceof LedgerError) return error.code;
    throw error;
  }
  return "no error";
}

/** Test actions on one database: a funded wallet with the airline's accounts, balances, holds. */
function ledgerActions(database: () => Database) {
  const setup = (fundedMinor: number, currency = "CNY") =>
    database().transaction(async (tx) => {
      const wallet = await walletAccount(tx, newId(), currency, NOW);
      const holds = await airlineAccount(tx, "inflight_holds", currency, NOW);
      const revenue = await airlineAccount(tx, "airline_revenue", currency, NOW);
      if (fundedMinor > 0) await fundWallet(tx, { transferId: newId(), walletAccountId: wallet.id, amountMinor: fundedMinor, nowMs: NOW });
      return { wallet: wallet.id, holds: holds.id, revenue: revenue.id };
    });
  const balance = async (accountId: string) => balanceOf(await getAccount(database(), accountId));
  const hold = (ids: { wallet: string; holds: string }, amountMinor: number, id = newId(), expiresAtMs = NOW + 3_600_000) =>
    database().transaction((tx) =>
      createPending(tx, {
        id,
        debitAccountId: ids.wallet,
        creditAccountId: ids.holds,
        amountMinor,
        currency: "CNY",
        code: "hold",
        nowMs: NOW,
        expiresAtMs,
      }),
    );
  return { setup, balance, hold };
}

describe.each(ENGINES)("ledger on %s", (engine) => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
    db = database.handle.db;
  });
  afterAll(async () => {
    await database.drop();
  });

  const { setup, balance, hold } = ledgerActions(() => db);

  it("funds a wallet from the airline's funding account, double-entry", async () => {
    const ids = await setup(100_000);
    expect(await balance(ids.wallet)).toMatchObject({ postedMinor: 100_000, availableMinor: 100_000, pendingDebitsMinor: 0 });
    expect(await ledgerTotals(db)).toContainEqual({ currency: "CNY", postedSumMinor: 0, pendingSumMinor: 0 });
  });

  it("holds, then posts part of the hold and releases the rest", async () => {
    const ids = await setup(100_000);
    const { transfer } = await hold(ids, 60_000);
    expect(await balance(ids.wallet)).toMatchObject({ postedMinor: 100_000, pendingDebitsMinor: 60_000, availableMinor: 40_000 });
    await db.transaction((tx) => postPending(tx, { id: newId(), pendingId: transfer.id, amountMinor: 25_000, code: "sale", nowMs: NOW }));
    expect(await balance(ids.wallet)).toMatchObject({ postedMinor: 75_000, pendingDebitsMinor: 0, availableMinor: 75_000 });
    expect(await balance(ids.holds)).toMatchObject({ pendingCreditsMinor: 0 });
  });

  it("voids a hold and gives the whole amount back", async () => {
    const ids = await setup(50_000);
    const { transfer } = await hold(ids, 50_000);
    expect((await balance(ids.wallet)).availableMinor).toBe(0);
    await db.transaction((tx) => voidPending(tx, { id: newId(), pendingId: transfer.id, code: "release", nowMs: NOW }));
    expect(await balance(ids.wallet)).toMatchObject({ postedMinor: 50_000, availableMinor: 50_000 });
  });

  it("refuses to overdraw a wallet, and stores nothing of the refused transfer", async () => {
    const ids = await setup(10_000);
    const id = newId();
    expect(await codeOf(hold(ids, 10_001, id))).toBe("insufficient_funds");
    expect(await codeOf(hold(ids, 10_000))).toBe("no error");
    expect(await codeOf(hold(ids, 1))).toBe("insufficient_funds");
    expect(await codeOf(db.transaction((tx) => postPending(tx, { id: newId(), pendingId: id, code: "sale", nowMs: NOW })))).toBe(
      "pending_not_found",
    );
    expect(await balance(ids.wallet)).toMatchObject({ postedMinor: 10_000, availableMinor: 0 });
  });

  it("treats a repeated transfer id as the same transfer, and a changed one as a conflict", async () => {
    const ids = await setup(10_000);
    const id = newId();
    const single = {
      id,
      debitAccountId: ids.wallet,
      creditAccountId: ids.revenue,
      amountMinor: 3_000,
      currency: "CNY",
      code: "sale",
      nowMs: NOW,
    };
    expect((await db.transaction((tx) => createTransfer(tx, single))).status).toBe("created");
    expect((await db.transaction((tx) => createTransfer(tx, { ...single, nowMs: NOW + 5 }))).status).toBe("exists");
    expect(await codeOf(db.transaction((tx) => createTransfer(tx, { ...single, amountMinor: 3_001 })))).toBe(
      "exists_with_different_fields",
    );
    expect((await balance(ids.wallet)).postedMinor).toBe(7_000);
  });

  it("resolves a hold once: a second post, a void after a post, or too much are refused", async () => {
    const ids = await setup(10_000);
    const { transfer } = await hold(ids, 5_000);
    const post = (amountMinor: number, id = newId()) =>
      db.transaction((tx) => postPending(tx, { id, pendingId: transfer.id, amountMinor, code: "sale", nowMs: NOW }));
    expect(await codeOf(post(5_001))).toBe("post_exceeds_pending");
    const postId = newId();
    expect(await codeOf(post(4_000, postId))).toBe("no error");
    expect(await codeOf(post(4_000, postId))).toBe("no error"); // same id again: "exists"
    expect(await codeOf(post(1_000))).toBe("pending_already_resolved");
    expect(
      await codeOf(db.transaction((tx) => voidPending(tx, { id: newId(), pendingId: transfer.id, code: "release", nowMs: NOW }))),
    ).toBe("pending_already_resolved");
    expect((await balance(ids.wallet)).postedMinor).toBe(6_000);
  });

  it("expires holds past their time, and refuses to post them", async () => {
    const ids = await setup(10_000);
    const { transfer } = await hold(ids, 2_000, newId(), NOW + 1_000);
    expect(await duePendingIds(db, NOW + 999, 100)).not.toContain(transfer.id);
    expect(
      await codeOf(db.transaction((tx) => expirePending(tx, { id: newId(), pendingId: transfer.id, code: "expired", nowMs: NOW + 999 }))),
    ).toBe("validation_failed");
    expect(
      await codeOf(db.transaction((tx) => postPending(tx, { id: newId(), pendingId: transfer.id, code: "sale", nowMs: NOW + 1_000 }))),
    ).toBe("pending_expired");
    expect(await duePendingIds(db, NOW + 1_000, 100)).toContain(transfer.id);
    await db.transaction((tx) => expirePending(tx, { id: newId(), pendingId: transfer.id, code: "expired", nowMs: NOW + 1_000 }));
    expect(await duePendingIds(db, NOW + 1_000, 100)).not.toContain(transfer.id);
    expect((await balance(ids.wallet)).availableMinor).toBe(10_000);
  });

  it("refuses currency mixes and unknown accounts", async () => {
    const cny = await setup(1_000);
    const hkd = await setup(1_000, "HKD");
    const move = (debit: string, credit: string) =>
      db.transaction((tx) =>
        createTransfer(tx, {
          id: newId(),
          debitAccountId: debit,
          creditAccountId: credit,
          amountMinor: 1,
          currency: "CNY",
          code: "x",
          nowMs: NOW,
        }),
      );
    expect(await codeOf(move(cny.wallet, hkd.revenue))).toBe("currency_mismatch");
    expect(await codeOf(move(cny.wallet, newId()))).toBe("account_not_found");
    expect(await codeOf(move(cny.wallet, cny.wallet))).toBe("validation_failed");
  });

  it("answers a transfer sent twice at the same moment once created and once exists, and moves the money once", async () => {
    const ids = await setup(10_000);
    const id = newId();
    const send = () =>
      db.transaction((tx) =>
        createTransfer(tx, {
          id,
          debitAccountId: ids.wallet,
          creditAccountId: ids.revenue,
          amountMinor: 4_000,
          currency: "CNY",
          code: "sale",
          nowMs: NOW,
        }),
      );
    const answers = await Promise.all([send(), send(), send()]);
    expect(answers.map((a) => a.status).sort()).toEqual(["created", "exists", "exists"]);
    expect((await balance(ids.wallet)).postedMinor).toBe(6_000);
  });

  it("checks a batch as one: ids once, a hold resolved once, no overdraw after any transfer in order", async () => {
    const ids = await setup(5_000);
    const { transfer: held } = await hold(ids, 2_000);
    const take = { kind: "single", debitAccountId: ids.wallet, creditAccountId: ids.revenue, currency: "CNY", code: "sale" } as const;
    const give = { kind: "single", debitAccountId: ids.revenue, creditAccountId: ids.wallet, currency: "CNY", code: "void" } as const;
    const apply = (batch: Parameters<typeof applyTransfers>[1]) => db.transaction((tx) => applyTransfers(tx, batch, NOW));
    const twice = newId();
    expect(
      await codeOf(
        apply([
          { ...take, id: twice, amountMinor: 1 },
          { ...take, id: twice, amountMinor: 1 },
        ]),
      ),
    ).toBe("validation_failed");
    expect(
      await codeOf(
        apply([
          { kind: "post", id: newId(), pendingId: held.id, amountMinor: 500, code: "sale" },
          { kind: "void", id: newId(), pendingId: held.id, code: "release" },
        ]),
      ),
    ).toBe("pending_already_resolved");
    // 3,000 available: taking 4,000 before 1,000 comes back overdraws on the way, the other order does not.
    const back = { ...give, id: newId(), amountMinor: 1_000 };
    const spend = { ...take, id: newId(), amountMinor: 4_000 };
    expect(await codeOf(apply([spend, back]))).toBe("insufficient_funds");
    expect((await balance(ids.wallet)).availableMinor).toBe(3_000);
    const results = await apply([back, spend]);
    expect(results.map((r) => r.status)).toEqual(["created", "created"]);
    expect((await apply([back, spend])).map((r) => r.status)).toEqual(["exists", "exists"]);
    expect(await balance(ids.wallet)).toMatchObject({ postedMinor: 2_000, availableMinor: 0, pendingDebitsMinor: 2_000 });
    expect(await accountsOutOfBalance(db)).toEqual([]);
  });

  it("keeps every invariant under any sequence of operations (property)", async () => {
    type Op =
      | { kind: "fund"; wallet: number; amount: number }
      | { kind: "hold"; wallet: number; amount: number }
      | { kind: "post"; hold: number; fraction: number }
      | { kind: "void"; hold: number }
      | { kind: "spend"; wallet: number; amount: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("fund" as const), wallet: fc.nat(2), amount: fc.integer({ min: 1, max: 50_000 }) }),
      fc.record({ kind: fc.constant("hold" as const), wallet: fc.nat(2), amount: fc.integer({ min: 1, max: 40_000 }) }),
      fc.record({ kind: fc.constant("post" as const), hold: fc.nat(20), fraction: fc.double({ min: 0.01, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant("void" as const), hold: fc.nat(20) }),
      fc.record({ kind: fc.constant("spend" as const), wallet: fc.nat(2), amount: fc.integer({ min: 1, max: 30_000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        const wallets = [await setup(0), await setup(0), await setup(0)];
        // The model: what each wallet should hold, computed in plain integers.
        const model = wallets.map(() => ({ posted: 0, pending: 0 }));
        const holds: { id: string; wallet: number; amount: number; resolved: boolean }[] = [];
        for (const o of ops) {
          if (o.kind === "fund") {
            await db.transaction((tx) =>
              fundWallet(tx, { transferId: newId(), walletAccountId: wallets[o.wallet]!.wallet, amountMinor: o.amount, nowMs: NOW }),
            );
            model[o.wallet]!.posted += o.amount;
          } else if (o.kind === "hold") {
            const m = model[o.wallet]!;
            const code = await codeOf(
              hold(wallets[o.wallet]!, o.amount).then(({ transfer }) =>
                holds.push({ id: transfer.id, wallet: o.wallet, amount: o.amount, resolved: false }),
              ),
            );
            expect(code).toBe(o.amount <= m.posted - m.pending ? "no error" : "insufficient_funds");
            if (code === "no error") m.pending += o.amount;
          } else if (o.kind === "spend") {
            const m = model[o.wallet]!;
            const w = wallets[o.wallet]!;
            const code = await codeOf(
              db.transaction((tx) =>
                createTransfer(tx, {
                  id: newId(),
                  debitAccountId: w.wallet,
                  creditAccountId: w.revenue,
                  amountMinor: o.amount,
                  currency: "CNY",
                  code: "sale",
                  nowMs: NOW,
                }),
              ),
            );
            expect(code).toBe(o.amount <= m.posted - m.pending ? "no error" : "insufficient_funds");
            if (code === "no error") m.posted -= o.amount;
          } else {
            const h = holds[o.hold % Math.max(holds.length, 1)];
            if (h === undefined) continue;
            const amount = Math.max(1, Math.floor(h.amount * (o.kind === "post" ? o.fraction : 1)));
            const code = await codeOf(
              db.transaction((tx) =>
                o.kind === "post"
                  ? postPending(tx, { id: newId(), pendingId: h.id, amountMinor: amount, code: "sale", nowMs: NOW })
                  : voidPending(tx, { id: newId(), pendingId: h.id, code: "release", nowMs: NOW }),
              ),
            );
            expect(code).toBe(h.resolved ? "pending_already_resolved" : "no error");
            if (!h.resolved) {
              h.resolved = true;
              model[h.wallet]!.pending -= h.amount;
              if (o.kind === "post") model[h.wallet]!.posted -= amount;
            }
          }
        }
        for (const [i, ids] of wallets.entries()) {
          const b = await balance(ids.wallet);
          expect(b.postedMinor).toBe(model[i]!.posted);
          expect(b.pendingDebitsMinor).toBe(model[i]!.pending);
          expect(b.availableMinor).toBeGreaterThanOrEqual(0);
        }
        for (const totals of await ledgerTotals(db)) expect(totals).toMatchObject({ postedSumMinor: 0, pendingSumMinor: 0 });
        expect(await accountsOutOfBalance(db)).toEqual([]);
      }),
      { numRuns: engine === "postgres" ? 30 : 15 },
    );
  });
});

// PGlite is a single connection; concurrency is a PostgreSQL matter.
describe("ledger under concurrency on postgres", () => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    db = database.handle.db;
  });
  afterAll(async () => {
    await database.drop();
  });
  const { setup, balance, hold } = ledgerActions(() => db);

  it("never overdraws under concurrent holds on one wallet", async () => {
    const ids = await setup(100_000);
    const attempts = await Promise.allSettled(Array.from({ length: 25 }, () => hold(ids, 7_000)));
    const succeeded = attempts.filter((a) => a.status === "fulfilled").length;
    expect(succeeded).toBe(Math.floor(100_000 / 7_000));
    for (const attempt of attempts) if (attempt.status === "rejected") expect((attempt.reason as ApiError).code).toBe("insufficient_funds");
    expect(await balance(ids.wallet)).toMatchObject({ pendingDebitsMinor: 14 * 7_000, availableMinor: 100_000 - 14 * 7_000 });
  });

  it("creates one transfer when the same id races", async () => {
    const ids = await setup(100_000);
    const id = newId();
    const results = await Promise.all(Array.from({ length: 10 }, () => hold(ids, 1_000, id)));
    expect(results.filter((r) => r.status === "created")).toHaveLength(1);
    expect((await balance(ids.wallet)).pendingDebitsMinor).toBe(1_000);
  });
});
