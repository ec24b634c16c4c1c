/**
 * Settlement: turns accepted records into ledger transfers, exactly once each.
 *
 * A sale takes what it can from the voucher's current hold: the hold is posted for that part and
 * what is left is held again (a new pending transfer, so each hold is still resolved once). What
 * the hold cannot cover comes from the wallet's available balance, and what that cannot cover is a
 * shortfall for finance. A void or refund gives back what its sale collected. Transfer ids are
 * derived from the record, so settling a record twice finds its own transfers and changes nothing.
 */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { accounts, transfers } from "../db/schema/ledger.js";
import { registrations } from "../db/schema/registrations.js";
import { terminalFlights } from "../db/schema/terminals.js";
import { saleRecords, settlements, terminalChains } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import { derivedId } from "../ids.js";
import { airlineAccount, balanceOf, createPending, createTransfer, getAccount, postPending, voidPending } from "../ledger/ledger.js";

/** A flight closes by itself this long after departure, even if a terminal never uploaded a close. */
export const CLOSE_DEADLINE_AFTER_DEPARTURE_MS = 72 * 3_600_000;

/** A retryable condition: the job is retried with backoff (the record waits for its sale, …). */
export class NotYetError extends Error {
  override readonly name = "NotYetError";
}

type Record = typeof saleRecords.$inferSelect;

export interface ChunkResult {
  readonly settled: number;
  readonly skipped: number;
  readonly failed: number;
}

/** Settles the given records (one terminal, one flight) in sequence order, in one transaction. */
export async function settleRecords(db: Database, recordIds: readonly string[], nowMs: number): Promise<ChunkResult> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ record: saleRecords, settlement: settlements })
      .from(settlements)
      .innerJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
      .where(inArray(settlements.recordId, [...recordIds]))
      .orderBy(saleRecords.terminalId, saleRecords.sequence);
    const pending = rows.filter((row) => row.settlement.status === "pending");
    if (pending.length === 0) return { settled: 0, skipped: rows.length, failed: 0 };

    // Lock order shared by every settlement transaction: the airline's accounts of the currency,
    // then the registrations by id. Concurrent chunks queue instead of deadlocking.
    const currencies = [...new Set(pending.map((row) => row.record.currency))].sort();
    for (const currency of currencies) {
      const holds = await airlineAccount(tx, "inflight_holds", currency, nowMs);
      const revenue = await airlineAccount(tx, "airline_revenue", currency, nowMs);
      await tx
        .select({ id: accounts.id })
        .from(accounts)
        .where(inArray(accounts.id, [holds.id, revenue.id].sort()))
        .orderBy(accounts.id)
        .for("no key update");
    }
    const voucherIds = [...new Set(pending.map((row) => row.record.voucherId))].sort();
    await tx
      .select({ id: registrations.id })
      .from(registrations)
      .where(inArray(registrations.id, voucherIds))
      .orderBy(registrations.id)
      .for("update");

    let settled = 0;
    let failed = 0;
    for (const { record } of pending) {
      try {
        await tx.transaction(async (savepoint) => {
          if (record.kind === "sale") await settleSale(savepoint, record, nowMs);
          else await settleReversal(savepoint, record, nowMs);
        });
        settled += 1;
      } catch (error) {
        if (error instanceof NotYetError) throw error;
        if (!(error instanceof ApiError)) throw error; // infrastructure: retry the whole chunk
        // A rule the ledger refuses for this record will refuse it again: park it for finance.
        await tx
          .update(settlements)
          .set({ status: "failed", reason: `${error.code}: ${error.message}`, settledAtMs: nowMs })
          .where(eq(settlements.recordId, record.id));
        failed += 1;
      }
    }
    return { settled, skipped: rows.length - pending.length, failed };
  });
}

async function settleSale(tx: Executor, record: Record, nowMs: number): Promise<void> {
  const [registration] = await tx.select().from(registrations).where(eq(registrations.id, record.voucherId));
  if (registration === undefined) throw new ApiError("registration_not_found", `no registration for voucher ${record.voucherId}`);
  const holds = await airlineAccount(tx, "inflight_holds", record.currency, nowMs);
  const revenue = await airlineAccount(tx, "airline_revenue", record.currency, nowMs);
  const amount = record.totalMinor;

  let fromHold = 0;
  const hold = await usableHold(tx, registration.currentHoldTransferId, nowMs);
  if (hold !== undefined && amount > 0) {
    fromHold = Math.min(amount, hold.amountMinor);
    const left = hold.amountMinor - fromHold;
    await postPending(tx, {
      id: derivedId(`post:${record.id}`),
      pendingId: hold.id,
      amountMinor: fromHold,
      code: "sale",
      reference: record.id,
      nowMs,
    });
    let nextHold: string | null = null;
    if (left > 0) {
      nextHold = derivedId(`rehold:${record.id}`);
      await createPending(tx, {
        id: nextHold,
        debitAccountId: registration.walletAccountId,
        creditAccountId: holds.id,
        amountMinor: left,
        currency: record.currency,
        code: "hold",
        reference: registration.id,
        nowMs,
        expiresAtMs: hold.expiresAtMs!,
      });
    }
    await tx.update(registrations).set({ currentHoldTransferId: nextHold }).where(eq(registrations.id, registration.id));
    await createTransfer(tx, {
      id: derivedId(`revenue:${record.id}`),
      debitAccountId: holds.id,
      creditAccountId: revenue.id,
      amountMinor: fromHold,
      currency: record.currency,
      code: "sale",
      reference: record.id,
      nowMs,
    });
  }
  // Over the cap (spent on two terminals, say) or no hold left: the available balance, if any.
  const rest = amount - fromHold;
  let fromBalance = 0;
  if (rest > 0) {
    const available = balanceOf(await getAccount(tx, registration.walletAccountId)).availableMinor;
    fromBalance = Math.max(0, Math.min(rest, available));
    if (fromBalance > 0) {
      await createTransfer(tx, {
        id: derivedId(`balance:${record.id}`),
        debitAccountId: registration.walletAccountId,
        creditAccountId: revenue.id,
        amountMinor: fromBalance,
        currency: record.currency,
        code: "sale_over_hold",
        reference: record.id,
        nowMs,
      });
    }
  }
  const shortfall = rest - fromBalance;
  await tx
    .update(settlements)
    .set({
      status: shortfall > 0 ? "shortfall" : "debited",
      fromHoldMinor: fromHold,
      fromBalanceMinor: fromBalance,
      shortfallMinor: shortfall,
      reason: shortfall > 0 ? `${shortfall} not covered by the hold or the balance` : null,
      settledAtMs: nowMs,
    })
    .where(eq(settlements.recordId, record.id));
}

/** The registration's hold if it can still be posted: unresolved and not expired. */
async function usableHold(tx: Executor, holdId: string | null, nowMs: number) {
  if (holdId === null) return undefined;
  const [hold] = await tx.select().from(transfers).where(eq(transfers.id, holdId));
  const [resolution] = await tx.select({ id: transfers.id }).from(transfers).where(eq(transfers.pendingId, holdId));
  if (hold === undefined || resolution !== undefined || (hold.expiresAtMs !== null && nowMs >= hold.expiresAtMs)) return undefined;
  return hold;
}

async function settleReversal(tx: Executor, record: Record, nowMs: number): Promise<void> {
  const [sale] = await tx.select().from(settlements).where(eq(settlements.recordId, record.referencedRecordId!));
  if (sale === undefined) throw new ApiError("registration_not_found", `the reversed sale ${record.referencedRecordId} is not held`);
  if (sale.status === "pending") throw new NotYetError(`sale ${sale.recordId} is not settled yet`);
  const [registration] = await tx.select().from(registrations).where(eq(registrations.id, record.voucherId));
  if (registration === undefined) throw new ApiError("registration_not_found", `no registration for voucher ${record.voucherId}`);
  // What was never collected needs no giving back: reduce the sale's shortfall first.
  const forgiven = Math.min(record.totalMinor, sale.shortfallMinor);
  const [given] = await tx
    .select({ total: sql<string>`coalesce(sum(${settlements.reversedMinor}), 0)::text` })
    .from(settlements)
    .innerJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
    .where(eq(saleRecords.referencedRecordId, sale.recordId));
  const collected = sale.fromHoldMinor + sale.fromBalanceMinor - Number(given!.total);
  const refund = Math.min(record.totalMinor - forgiven, collected);
  if (refund > 0) {
    const revenue = await airlineAccount(tx, "airline_revenue", record.currency, nowMs);
    await createTransfer(tx, {
      id: derivedId(`reverse:${record.id}`),
      debitAccountId: revenue.id,
      creditAccountId: registration.walletAccountId,
      amountMinor: refund,
      currency: record.currency,
      code: record.kind,
      reference: record.id,
      nowMs,
    });
  }
  if (forgiven > 0) {
    await tx
      .update(settlements)
      .set({
        shortfallMinor: sale.shortfallMinor - forgiven,
        status: sale.shortfallMinor - forgiven === 0 && sale.status === "shortfall" ? "debited" : sale.status,
      })
      .where(eq(settlements.recordId, sale.recordId));
  }
  await tx
    .update(settlements)
    .set({ status: "reversed", reversedMinor: refund, settledAtMs: nowMs })
    .where(eq(settlements.recordId, record.id));
}

export type CloseOutcome = "closed" | "already_closed" | "not_due";

/**
 * Closes a flight when every assigned terminal has closed its service, or the deadline passed,
 * or ops force it: strictly after all its settlements, what is left of every hold is released.
 */
export async function closeFlight(db: Database, flightId: string, nowMs: number, options: { force: boolean }): Promise<CloseOutcome> {
  return db.transaction(async (tx) => {
    const [flight] = await tx.select().from(flights).where(eq(flights.id, flightId)).for("update");
    if (flight === undefined) throw new ApiError("flight_not_found", `no flight ${flightId}`);
    if (flight.closedAtMs !== null) return "already_closed";
    if (!options.force && nowMs < flight.departureAtMs + CLOSE_DEADLINE_AFTER_DEPARTURE_MS && !(await allTerminalsClosed(tx, flightId)))
      return "not_due";
    const [pending] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(settlements)
      .where(and(eq(settlements.flightId, flightId), eq(settlements.status, "pending")));
    if (pending!.n > 0) throw new NotYetError(`${pending!.n} settlements of flight ${flightId} are still pending`);
    // Every active registration is closed out, including those whose hold sales used up entirely.
    const open = await tx
      .select()
      .from(registrations)
      .where(and(eq(registrations.flightId, flightId), eq(registrations.status, "active"), isNull(registrations.releasedAtMs)))
      .orderBy(registrations.id)
      .for("update");
    for (const registration of open) {
      const hold = await usableHold(tx, registration.currentHoldTransferId, Number.MIN_SAFE_INTEGER);
      if (hold !== undefined) {
        await voidPending(tx, {
          id: derivedId(`release:${registration.id}`),
          pendingId: hold.id,
          code: "hold_released",
          reference: registration.id,
          nowMs,
        });
      }
      await tx.update(registrations).set({ currentHoldTransferId: null, releasedAtMs: nowMs }).where(eq(registrations.id, registration.id));
    }
    await tx.update(flights).set({ closedAtMs: nowMs }).where(eq(flights.id, flightId));
    return "closed";
  });
}

async function allTerminalsClosed(tx: Executor, flightId: string): Promise<boolean> {
  const assigned = await tx
    .select({ terminalId: terminalFlights.terminalId })
    .from(terminalFlights)
    .where(eq(terminalFlights.flightId, flightId));
  if (assigned.length === 0) return false;
  const closed = await tx
    .select({ terminalId: terminalChains.terminalId })
    .from(terminalChains)
    .where(and(eq(terminalChains.flightId, flightId), sql`${terminalChains.closedAtMs} IS NOT NULL`));
  const closedIds = new Set(closed.map((row) => row.terminalId));
  return assigned.every((row) => closedIds.has(row.terminalId));
}
