/**
 * Shortfalls collected later (plain service): a sale the hold and the balance could not cover is
 * taken from the passenger's wallet as soon as it has money, by the maintenance job on a schedule
 * or when the passenger pays it, and a passenger who still owes one cannot register for another
 * flight. Each collection is bound to its sale: the wallet of the registration the sale was
 * collected from, never one a caller names; the sale's settlement moves from shortfall to balance
 * in the same transaction as the ledger transfer, under the registration's lock (the lock order),
 * so a settlement job reversing the sale at the same time waits and then sees it.
 */
import { newId } from "@cabinpay/shared";
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { registrations } from "../db/schema/registrations.js";
import { saleRecords, settlements } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import { airlineAccount, availableOf, createTransfer, lockAccounts } from "../ledger/ledger.js";

/** Shortfalls tried per maintenance run; the next run takes the rest. */
export const SHORTFALLS_PER_RUN_MAX = 200;

/** What a sale still owes: not collected, not recorded as collected elsewhere, not written off. */
const OUTSTANDING = and(gt(settlements.shortfallMinor, settlements.collectedElsewhereMinor), isNull(settlements.writtenOffAtMs))!;

export interface Collected {
  readonly collectedMinor: number;
  readonly outstandingMinor: number;
}

/** Takes what the wallet can of one sale's shortfall; nothing if it owes nothing or the wallet is empty. */
export async function collectShortfall(db: Database, input: { recordId: string; nowMs: number }): Promise<Collected> {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ registrationId: settlements.registrationId })
      .from(settlements)
      .where(eq(settlements.recordId, input.recordId));
    if (before?.registrationId == null) return { collectedMinor: 0, outstandingMinor: 0 };
    const [registration] = await tx.select().from(registrations).where(eq(registrations.id, before.registrationId)).for("update");
    // Read again under the registration's lock: a settlement job of this registration has committed or waits.
    const [row] = await tx
      .select()
      .from(settlements)
      .where(and(eq(settlements.recordId, input.recordId), OUTSTANDING));
    if (row === undefined || registration === undefined) return { collectedMinor: 0, outstandingMinor: 0 };
    const owedMinor = row.shortfallMinor - row.collectedElsewhereMinor;
    const revenue = await airlineAccount(tx, "airline_revenue", registration.currency, input.nowMs);
    const locked = await lockAccounts(tx, [registration.walletAccountId, revenue.id]);
    const collectedMinor = Math.min(owedMinor, Math.max(0, availableOf(locked.get(registration.walletAccountId)!)));
    if (collectedMinor === 0) return { collectedMinor: 0, outstandingMinor: owedMinor };
    await createTransfer(tx, {
      id: newId(),
      debitAccountId: registration.walletAccountId,
      creditAccountId: revenue.id,
      amountMinor: collectedMinor,
      currency: registration.currency,
      code: "shortfall_collected",
      reference: input.recordId,
      nowMs: input.nowMs,
    });
    await moveToBalance(tx, row, collectedMinor);
    return { collectedMinor, outstandingMinor: owedMinor - collectedMinor };
  });
}

/** The sale's settlement as if the balance had covered it then: what a later void or refund gives back. */
async function moveToBalance(tx: Executor, row: typeof settlements.$inferSelect, collectedMinor: number): Promise<void> {
  const shortfallMinor = row.shortfallMinor - collectedMinor;
  await tx
    .update(settlements)
    .set({
      fromBalanceMinor: row.fromBalanceMinor + collectedMinor,
      shortfallMinor,
      status: shortfallMinor === 0 ? "debited" : row.status,
      reason: shortfallMinor === 0 ? null : `${shortfallMinor} not covered by the hold or the balance`,
    })
    .where(eq(settlements.recordId, row.recordId));
}

/** The maintenance job: every outstanding shortfall whose wallet has money now, oldest first, a bounded batch. */
export async function collectDueShortfalls(db: Database, nowMs: number): Promise<{ collected: number; collectedMinor: number }> {
  const due = await db
    .select({ recordId: settlements.recordId })
    .from(settlements)
    .innerJoin(registrations, eq(registrations.id, settlements.registrationId))
    .where(
      and(
        OUTSTANDING,
        sql`EXISTS (SELECT 1 FROM accounts a WHERE a.id = ${registrations.walletAccountId}
                    AND a.credits_posted_minor - a.debits_posted_minor - a.debits_pending_minor > 0)`,
      ),
    )
    .orderBy(asc(settlements.settledAtMs))
    .limit(SHORTFALLS_PER_RUN_MAX);
  let collected = 0;
  let collectedMinor = 0;
  for (const { recordId } of due) {
    const result = await collectShortfall(db, { recordId, nowMs });
    if (result.collectedMinor > 0) collected += 1;
    collectedMinor += result.collectedMinor;
  }
  return { collected, collectedMinor };
}

/** What a passenger still owes, per sale, with its flight: for the statement, the pay button and registration. */
export async function shortfallsOf(db: Executor, passengerId: string) {
  const rows = await db
    .select({
      recordId: settlements.recordId,
      currency: registrations.currency,
      shortfallMinor: settlements.shortfallMinor,
      collectedElsewhereMinor: settlements.collectedElsewhereMinor,
      carrier: flights.carrier,
      number: flights.number,
      date: flights.flightDate,
      atMs: saleRecords.createdAtMs,
    })
    .from(settlements)
    .innerJoin(registrations, eq(registrations.id, settlements.registrationId))
    .innerJoin(flights, eq(flights.id, registrations.flightId))
    .innerJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
    .where(and(eq(registrations.passengerId, passengerId), OUTSTANDING))
    .orderBy(asc(saleRecords.createdAtMs));
  return rows.map(({ shortfallMinor, collectedElsewhereMinor, ...row }) => ({
    ...row,
    owedMinor: shortfallMinor - collectedElsewhereMinor,
  }));
}

/** The passenger pays one of their own shortfalls from their wallet now; another's is not found. */
export async function payShortfall(db: Database, input: { passengerId: string; recordId: string; nowMs: number }): Promise<Collected> {
  const owed = (await shortfallsOf(db, input.passengerId)).find((s) => s.recordId === input.recordId);
  if (owed === undefined) throw new ApiError("not_found", "no such amount owed on your account");
  const result = await collectShortfall(db, { recordId: input.recordId, nowMs: input.nowMs });
  // Paid meanwhile (the same request twice at once, or the maintenance job): nothing is owed now.
  if (result.collectedMinor === 0 && result.outstandingMinor === 0) throw new ApiError("not_found", "nothing is owed on this any more");
  if (result.collectedMinor === 0)
    throw new ApiError("insufficient_funds", "your account has no money available: add money first, then pay");
  return result;
}

/** Registration refuses a passenger who still owes a shortfall, saying what and how to pay it. */
export async function refuseIfOwing(tx: Executor, passengerId: string): Promise<void> {
  const owed = await shortfallsOf(tx, passengerId);
  if (owed.length === 0) return;
  const first = owed[0]!;
  throw new ApiError(
    "shortfall_outstanding",
    `you still owe ${owed.reduce((t, s) => t + s.owedMinor, 0)} minor units of ${first.currency} from flight ${first.carrier}${first.number}: add money and pay it on your statement first`,
    { owed: owed.map((s) => ({ recordId: s.recordId, currency: s.currency, owedMinor: s.owedMinor })) },
  );
}
