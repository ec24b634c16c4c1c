/**
 * The settlement plan without a database: for any chunk of sales and reversals over any holds
 * and balances, the transfers it plans keep the money invariants when replayed on an in-memory
 * ledger, and its outcomes say exactly what those transfers moved.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TransferInput } from "../src/ledger/ledger.js";
import { type Outcome, type PlanInput, type PlanRecord, type PlanVoucher, planSettlement } from "../src/services/settlement-plan.js";

const FLIGHT = "flight-1";
/** 1 HKD = 0.92 CNY, rounded half up: the sale's currency is HKD, some accounts are in CNY. */
const toCny = (hkdMinor: number) => Math.floor((hkdMinor * 92 + 50) / 100);

interface Scenario {
  readonly vouchers: { wallet: number; holdMinor: number | null; otherFlight: boolean }[];
  readonly wallets: { availableMinor: number; currency: "HKD" | "CNY" }[];
  readonly settled: { voucher: number; fromHoldMinor: number; fromBalanceMinor: number; shortfallMinor: number; givenBackMinor: number }[];
  readonly ops: ({ kind: "sale"; voucher: number; totalMinor: number } | { kind: "void" | "refund"; sale: number; totalMinor: number })[];
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  vouchers: fc.array(
    fc.record({ wallet: fc.nat(2), holdMinor: fc.option(fc.integer({ min: 1, max: 40_000 }), { nil: null }), otherFlight: fc.boolean() }),
    { minLength: 1, maxLength: 5 },
  ),
  wallets: fc.array(
    fc.record({ availableMinor: fc.integer({ min: 0, max: 30_000 }), currency: fc.constantFrom("HKD" as const, "CNY" as const) }),
    { minLength: 3, maxLength: 3 },
  ),
  settled: fc.array(
    fc.record({
      voucher: fc.nat(4),
      fromHoldMinor: fc.integer({ min: 0, max: 10_000 }),
      fromBalanceMinor: fc.integer({ min: 0, max: 10_000 }),
      shortfallMinor: fc.integer({ min: 0, max: 5_000 }),
      givenBackMinor: fc.integer({ min: 0, max: 10_000 }),
    }),
    { maxLength: 3 },
  ),
  ops: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant("sale" as const), voucher: fc.nat(5), totalMinor: fc.integer({ min: 1, max: 25_000 }) }),
      fc.record({
        kind: fc.constantFrom("void" as const, "refund" as const),
        sale: fc.nat(8),
        totalMinor: fc.integer({ min: 1, max: 25_000 }),
      }),
    ),
    { minLength: 1, maxLength: 12 },
  ),
});

/** The plan's inputs for a scenario; a sale naming voucher 5 names no registration at all. */
function inputOf(s: Scenario): PlanInput {
  const wallets = new Map(
    s.wallets.map((w, i) => [`wallet-${i}`, { accountId: `wallet-${i}`, currency: w.currency, availableMinor: w.availableMinor }]),
  );
  const vouchers = new Map<string, PlanVoucher>(
    s.vouchers.map((v, i) => {
      const wallet = wallets.get(`wallet-${v.wallet}`)!;
      const hold = v.holdMinor === null ? undefined : { id: `hold-${i}`, amountMinor: v.holdMinor, expiresAtMs: null };
      return [
        `reg-${i}`,
        {
          registrationId: `reg-${i}`,
          flightId: v.otherFlight ? "flight-2" : FLIGHT,
          walletAccountId: wallet.accountId,
          currency: wallet.currency,
          hold,
        },
      ];
    }),
  );
  const settledSales = new Map<string, Outcome>();
  s.settled.forEach((e, i) => {
    const registrationId = vouchers.has(`reg-${e.voucher}`) ? `reg-${e.voucher}` : null;
    const collectedMinor = e.fromHoldMinor + e.fromBalanceMinor;
    settledSales.set(`settled-${i}`, {
      recordId: `settled-${i}`,
      status: registrationId === null ? "failed" : e.shortfallMinor > 0 ? "shortfall" : "debited",
      registrationId,
      fromHoldMinor: registrationId === null ? 0 : e.fromHoldMinor,
      fromBalanceMinor: registrationId === null ? 0 : e.fromBalanceMinor,
      shortfallMinor: registrationId === null ? 0 : e.shortfallMinor,
      reversedMinor: 0,
      givenBackMinor: registrationId === null ? 0 : Math.min(e.givenBackMinor, collectedMinor),
      reason: null,
    });
  });
  const saleIds: string[] = [...settledSales.keys()];
  const records: PlanRecord[] = s.ops.map((op, i) => {
    const base = { id: `record-${i}`, flightId: FLIGHT, currency: "HKD", totalMinor: op.totalMinor };
    if (op.kind === "sale") {
      saleIds.push(base.id);
      return { ...base, kind: "sale", voucherId: `reg-${op.voucher}`, referencedRecordId: null };
    }
    // A reversal names a sale made before it (else there is nothing to name: it is a sale of voucher 0).
    const saleId = saleIds[op.sale % Math.max(1, saleIds.length)];
    return saleId === undefined
      ? { ...base, kind: "sale", voucherId: "reg-0", referencedRecordId: null }
      : { ...base, kind: op.kind, voucherId: "reg-0", referencedRecordId: saleId };
  });
  const airline = new Map(["CNY", "HKD"].map((c) => [c, { holdsAccountId: `holds-${c}`, revenueAccountId: `revenue-${c}` }]));
  const inAccount = (record: PlanRecord, currency: string) => (currency === record.currency ? record.totalMinor : toCny(record.totalMinor));
  return { records, vouchers, wallets, settledSales, airline, inAccount };
}

interface Totals {
  dp: number;
  cp: number;
  dq: number;
  cq: number;
}

/** Replays the planned transfers on the inputs' balances, checking what the real ledger checks. */
function replay(input: PlanInput, planned: readonly TransferInput[]): Map<string, Totals> {
  const totals = new Map<string, Totals>();
  const of = (id: string) => totals.get(id) ?? totals.set(id, { dp: 0, cp: 0, dq: 0, cq: 0 }).get(id)!;
  const holds = new Map<string, { account: string; holdsAccount: string; amountMinor: number }>();
  for (const w of input.wallets.values()) of(w.accountId).cp = w.availableMinor;
  for (const v of input.vouchers.values()) {
    if (v.hold === undefined) continue;
    holds.set(v.hold.id, {
      account: v.walletAccountId,
      holdsAccount: input.airline.get(v.currency)!.holdsAccountId,
      amountMinor: v.hold.amountMinor,
    });
    of(v.walletAccountId).cp += v.hold.amountMinor;
    of(v.walletAccountId).dq += v.hold.amountMinor;
  }
  const resolved = new Set<string>();
  for (const t of planned) {
    expect(Number.isSafeInteger(t.amountMinor) && t.amountMinor! > 0).toBe(true);
    if (t.kind === "post") {
      const hold = holds.get(t.pendingId)!;
      expect(resolved.has(t.pendingId)).toBe(false); // a hold resolved once
      resolved.add(t.pendingId);
      expect(t.amountMinor).toBeLessThanOrEqual(hold.amountMinor); // never over-posted
      of(hold.account).dq -= hold.amountMinor;
      of(hold.account).dp += t.amountMinor!;
      of(hold.holdsAccount).cp += t.amountMinor!;
    } else if (t.kind === "pending" || t.kind === "single") {
      const field = t.kind === "pending" ? (["dq", "cq"] as const) : (["dp", "cp"] as const);
      of(t.debitAccountId)[field[0]] += t.amountMinor;
      of(t.creditAccountId)[field[1]] += t.amountMinor;
      if (t.kind === "pending") holds.set(t.id, { account: t.debitAccountId, holdsAccount: t.creditAccountId, amountMinor: t.amountMinor });
    } else throw new Error(`unexpected ${t.kind}`);
    for (const w of input.wallets.values()) {
      const a = of(w.accountId);
      expect(a.dp + a.dq).toBeLessThanOrEqual(a.cp); // no wallet overdrawn after any transfer
    }
  }
  return totals;
}

describe("the settlement plan (property, no database)", () => {
  it("conserves money, collects each sale once, never over-posts a hold or overdraws a wallet", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const input = inputOf(s);
        const plan = planSettlement(input);
        if (plan.kind === "not_yet") return; // a reversal of a sale settled elsewhere: nothing planned
        expect(new Set(plan.transfers.map((t) => t.id)).size).toBe(plan.transfers.length);
        const outcomes = new Map(plan.outcomes.map((o) => [o.recordId, o]));
        expect(outcomes.size).toBe(plan.outcomes.length);
        for (const r of input.records) expect(outcomes.has(r.id)).toBe(true);
        const totals = replay(input, plan.transfers);

        for (const record of input.records) {
          const o = outcomes.get(record.id)!;
          if (record.kind !== "sale" || o.status === "failed") continue;
          const voucher = input.vouchers.get(o.registrationId!)!;
          expect(voucher.registrationId).toBe(record.voucherId);
          expect(voucher.flightId).toBe(record.flightId);
          // Collected once: hold + balance + what is still owed + what was forgiven = the sale.
          expect(o.fromHoldMinor + o.fromBalanceMinor + o.shortfallMinor).toBeLessThanOrEqual(input.inAccount(record, voucher.currency)!);
          expect(o.givenBackMinor).toBeLessThanOrEqual(o.fromHoldMinor + o.fromBalanceMinor);
        }
        for (const o of plan.outcomes) expect(o.givenBackMinor).toBeLessThanOrEqual(o.fromHoldMinor + o.fromBalanceMinor);

        for (const wallet of input.wallets.values()) {
          const sales = plan.outcomes.filter(
            (o) => o.registrationId !== null && input.vouchers.get(o.registrationId)!.walletAccountId === wallet.accountId,
          );
          const inChunk = sales.filter((o) => input.records.some((r) => r.id === o.recordId));
          const collectedMinor = inChunk.reduce((sum, o) => sum + o.fromHoldMinor + o.fromBalanceMinor, 0);
          const givenBackMinor = sales.reduce(
            (sum, o) => sum + o.givenBackMinor - (input.settledSales.get(o.recordId)?.givenBackMinor ?? 0),
            0,
          );
          const before =
            wallet.availableMinor +
            [...input.vouchers.values()]
              .filter((v) => v.walletAccountId === wallet.accountId)
              .reduce((sum, v) => sum + (v.hold?.amountMinor ?? 0), 0);
          const a = totals.get(wallet.accountId)!;
          // The wallet's money moved by exactly what its sales collected less what reversals gave back.
          expect(a.cp - a.dp).toBe(before - collectedMinor + givenBackMinor);
        }
        for (const currency of ["CNY", "HKD"]) {
          const { revenueAccountId, holdsAccountId } = input.airline.get(currency)!;
          const revenue = totals.get(revenueAccountId) ?? { dp: 0, cp: 0, dq: 0, cq: 0 };
          const holds = totals.get(holdsAccountId) ?? { dp: 0, cp: 0, dq: 0, cq: 0 };
          const ofCurrency = plan.outcomes.filter(
            (o) => o.registrationId !== null && input.vouchers.get(o.registrationId)!.currency === currency,
          );
          const collectedMinor = ofCurrency
            .filter((o) => input.records.some((r) => r.id === o.recordId))
            .reduce((sum, o) => sum + o.fromHoldMinor + o.fromBalanceMinor, 0);
          const givenBackMinor = ofCurrency.reduce(
            (sum, o) => sum + o.givenBackMinor - (input.settledSales.get(o.recordId)?.givenBackMinor ?? 0),
            0,
          );
          // Revenue gets what was collected, less what went back; the holds account passes the posts straight on.
          expect(revenue.cp - revenue.dp).toBe(collectedMinor - givenBackMinor);
          expect(holds.cp - holds.dp).toBe(0);
        }
        // Every reversal gave back what its outcome says, in total.
        const reversedMinor = plan.outcomes.reduce((sum, o) => sum + o.reversedMinor, 0);
        const givenBackMinor = plan.outcomes.reduce(
          (sum, o) => sum + o.givenBackMinor - (input.settledSales.get(o.recordId)?.givenBackMinor ?? 0),
          0,
        );
        expect(reversedMinor).toBe(givenBackMinor);
      }),
      { numRuns: 500 },
    );
  });

  it("waits for a reversal's sale that is not settled yet", () => {
    const input = inputOf({
      vouchers: [{ wallet: 0, holdMinor: 5_000, otherFlight: false }],
      wallets: [{ availableMinor: 0, currency: "HKD" }],
      settled: [],
      ops: [],
    });
    const plan = planSettlement({
      ...input,
      records: [
        { id: "r", kind: "void", flightId: FLIGHT, voucherId: "reg-0", referencedRecordId: "elsewhere", currency: "HKD", totalMinor: 100 },
      ],
    });
    expect(plan).toEqual({ kind: "not_yet", reason: "sale elsewhere is not settled yet" });
  });
});
