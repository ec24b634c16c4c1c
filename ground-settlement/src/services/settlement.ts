/**
 * Settlement: turns accepted records into ledger transfers, exactly once each.
 *
 * A sale takes what it can from the voucher's current hold: the hold is posted for that part and
 * what is left is held again (a new pending transfer, so each hold is still resolved once). What
 * the hold cannot cover comes from the wallet's available balance, and what that cannot cover is a
 * shortfall for finance. A void or refund gives back what its sale collected, to the registration
 * the sale was collected from (stored with the sale's settlement): never to whatever voucher the
 * reversal names. Transfer ids are derived from the record, so settling a record twice finds its
 * own transfers and changes nothing.
 */
import { convertMinor, type ExchangeRate, money, rateFor } from "@cabinpay/shared";
import { and, eq, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { transfers } from "../db/schema/ledger.js";
import { registrations } from "../db/schema/registrations.js";
import { terminalFlights } from "../db/schema/terminals.js";
import { saleRecords, settlements, terminalChains } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import { derivedId } from "../ids.js";
import { airlineAccount, applyTransfers, type BatchTransfer, lockAccounts, voidPending } from "../ledger/ledger.js";
import { ratesOf } from "./rates.js";

/** A flight closes by itself this long after departure, even if a terminal never uploaded a close. */
export const CLOSE_DEADLINE_AFTER_DEPARTURE_MS = 72 * 3_600_000;

/** A retryable condition: the job is retried with backoff (the record waits for its sale, …). */
export class NotYetError extends Error {
  override readonly name = "NotYetError";
}

/** What settling needs of a record: not its bytes, lines or hash, which are most of the row. */
const RECORD_COLUMNS = {
  id: saleRecords.id,
  flightId: saleRecords.flightId,
  kind: saleRecords.kind,
  voucherId: saleRecords.voucherId,
  referencedRecordId: saleRecords.referencedRecordId,
  currency: saleRecords.currency,
  totalMinor: saleRecords.totalMinor,
};
type Record = { [K in keyof typeof RECORD_COLUMNS]: (typeof saleRecords.$inferSelect)[K] };

export interface ChunkResult {
  readonly settled: number;
  readonly skipped: number;
  readonly failed: number;
}

/** A record's settlement as worked out in memory; `givenBack` (a sale's refunds so far) is not stored. */
interface Outcome {
  readonly recordId: string;
  status: string;
  /** For a sale: the registration it was collected from (null if none was found). */
  readonly registrationId: string | null;
  readonly fromHold: number;
  readonly fromBalance: number;
  shortfall: number;
  /** For a void or refund: what it gave back. */
  readonly reversed: number;
  givenBack: number;
  readonly reason: string | null;
}

interface VoucherState {
  readonly registrationId: string;
  readonly flightId: string;
  readonly walletAccountId: string;
  readonly currency: string;
  /** The hold sales take from, if it can still be posted. */
  hold: { id: string; amountMinor: number; expiresAtMs: number | null } | undefined;
  /** Taken from the hold in this chunk; what is left is held again. */
  postedMinor: number;
  firstPostRecordId: string | undefined;
}

interface WalletState {
  availableMinor: number;
  /** Net taken from (positive) or given back to (negative) the available balance in this chunk. */
  balanceDebitMinor: number;
  reversedMinor: number;
  firstBalanceRecordId: string | undefined;
  firstReverseRecordId: string | undefined;
}

/**
 * Settles a chunk of records (one terminal, one flight, sequence order) in one transaction: the
 * chunk is worked out in memory, record by record, then written with one batch of ledger transfers
 * (per voucher: the hold posted and re-held; per wallet: taken from or given back to the balance;
 * per currency: moved from the holds account to revenue) and bulk updates of the settlements.
 */
export async function settleRecords(db: Database, recordIds: readonly string[], nowMs: number): Promise<ChunkResult> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ record: RECORD_COLUMNS, status: settlements.status })
      .from(settlements)
      .innerJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
      .where(inArray(settlements.recordId, [...recordIds]))
      .orderBy(saleRecords.terminalId, saleRecords.sequence);
    const pending = rows.filter((row) => row.status === "pending").map((row) => row.record);
    if (pending.length === 0) return { settled: 0, skipped: rows.length, failed: 0 };

    // The lock order of every ledger transaction (see `lockAccounts`): registrations by id, then
    // every account it touches — the airline's and the wallets — by id, in one statement. Taking the
    // airline's accounts first instead deadlocked against a flight's close and against
    // cancellations whenever a wallet's id sorted before them (found by the fleet burst).
    // Who the reversed sales were collected from, read before the locks: a settled sale never
    // changes it. What they gave back so far is read after, under those registrations' locks,
    // so that two chunks reversing one sale cannot both start from the same figures.
    const registrationIds = new Set(pending.flatMap((r) => (r.kind === "sale" ? [r.voucherId] : [])));
    for (const id of await collectedFrom(tx, reversedSaleIds(pending))) registrationIds.add(id);
    // The accounts' currencies too (a CNY registration on a HKD leg), read before the locks: a
    // registration's currency never changes.
    const accountCurrencies =
      registrationIds.size === 0
        ? []
        : await tx
            .selectDistinct({ currency: registrations.currency })
            .from(registrations)
            .where(inArray(registrations.id, [...registrationIds]));
    const airline = new Map<string, { holds: string; revenue: string }>();
    for (const currency of [...new Set([...pending.map((r) => r.currency), ...accountCurrencies.map((r) => r.currency)])].sort()) {
      const holds = await airlineAccount(tx, "inflight_holds", currency, nowMs);
      const revenue = await airlineAccount(tx, "airline_revenue", currency, nowMs);
      airline.set(currency, { holds: holds.id, revenue: revenue.id });
    }
    const regs = await tx
      .select()
      .from(registrations)
      .where(inArray(registrations.id, [...registrationIds].sort()))
      .orderBy(registrations.id)
      .for("update");
    const walletIds = new Set(regs.map((r) => r.walletAccountId));
    const locked = await lockAccounts(tx, [...walletIds, ...[...airline.values()].flatMap((a) => [a.holds, a.revenue])]);
    const wallets = [...locked.values()].filter((account) => walletIds.has(account.id));
    const holdIds = regs.flatMap((r) => (r.currentHoldTransferId === null ? [] : [r.currentHoldTransferId]));
    const holds = holdIds.length === 0 ? [] : await tx.select().from(transfers).where(inArray(transfers.id, holdIds));
    const resolved = new Set(
      holdIds.length === 0
        ? []
        : (await tx.select({ id: transfers.pendingId }).from(transfers).where(inArray(transfers.pendingId, holdIds))).map((r) => r.id),
    );

    const vouchers = new Map<string, VoucherState>();
    for (const reg of regs) {
      const hold = holds.find((h) => h.id === reg.currentHoldTransferId);
      const usable = hold !== undefined && !resolved.has(hold.id) && (hold.expiresAtMs === null || nowMs < hold.expiresAtMs);
      vouchers.set(reg.id, {
        registrationId: reg.id,
        flightId: reg.flightId,
        walletAccountId: reg.walletAccountId,
        currency: reg.currency,
        hold: usable ? { id: hold.id, amountMinor: hold.amountMinor, expiresAtMs: hold.expiresAtMs } : undefined,
        postedMinor: 0,
        firstPostRecordId: undefined,
      });
    }
    const walletState = new Map(
      wallets.map((w) => [
        w.id,
        {
          availableMinor: w.creditsPostedMinor - w.debitsPostedMinor - w.debitsPendingMinor,
          balanceDebitMinor: 0,
          reversedMinor: 0,
          firstBalanceRecordId: undefined,
          firstReverseRecordId: undefined,
        } as WalletState,
      ]),
    );
    const sales = await reversedSales(tx, pending);
    const inAccount = await accountAmounts(tx, pending);

    const outcomes: Outcome[] = [];
    const saleOutcome = new Map<string, (typeof outcomes)[number]>();
    for (const record of pending) {
      if (record.kind === "sale") {
        const voucher = vouchers.get(record.voucherId);
        const wallet = voucher === undefined ? undefined : walletState.get(voucher.walletAccountId);
        // Ingest checked both; a registration of another flight, or in a currency the flight has
        // no rate into, is never collected from.
        const totalMinor = voucher === undefined ? undefined : inAccount(record, voucher.currency);
        if (voucher === undefined || wallet === undefined || voucher.flightId !== record.flightId || totalMinor === undefined) {
          outcomes.push({
            recordId: record.id,
            status: "failed",
            registrationId: null,
            fromHold: 0,
            fromBalance: 0,
            shortfall: 0,
            reversed: 0,
            givenBack: 0,
            reason: `no registration of this flight and currency for voucher ${record.voucherId}`,
          });
          continue;
        }
        const holdLeft = voucher.hold === undefined ? 0 : voucher.hold.amountMinor - voucher.postedMinor;
        const fromHold = Math.min(totalMinor, holdLeft);
        if (fromHold > 0) {
          voucher.postedMinor += fromHold;
          voucher.firstPostRecordId ??= record.id;
        }
        // Over the cap (spent on two terminals, say) or no hold left: the available balance.
        const rest = totalMinor - fromHold;
        const fromBalance = Math.max(0, Math.min(rest, wallet.availableMinor));
        if (fromBalance > 0) {
          wallet.availableMinor -= fromBalance;
          wallet.balanceDebitMinor += fromBalance;
          wallet.firstBalanceRecordId ??= record.id;
        }
        const shortfall = rest - fromBalance;
        const outcome: Outcome = {
          recordId: record.id,
          status: shortfall > 0 ? "shortfall" : "debited",
          registrationId: voucher.registrationId,
          fromHold,
          fromBalance,
          shortfall,
          reversed: 0,
          givenBack: 0,
          reason: shortfall > 0 ? `${shortfall} not covered by the hold or the balance` : null,
        };
        outcomes.push(outcome);
        saleOutcome.set(record.id, outcome);
        continue;
      }
      // A void or refund gives back what its sale collected, to the registration the sale was
      // collected from; what was never collected is forgiven.
      const sale = saleOutcome.get(record.referencedRecordId!) ?? sales.get(record.referencedRecordId!);
      if (sale === undefined || sale.status === "pending") throw new NotYetError(`sale ${record.referencedRecordId} is not settled yet`);
      // Settled by another chunk after this one read who it was collected from: not locked here.
      if (sale.registrationId !== null && !vouchers.has(sale.registrationId))
        throw new NotYetError(`sale ${record.referencedRecordId} was settled meanwhile: settle its reversal again`);
      const saleVoucher = sale.registrationId === null ? undefined : vouchers.get(sale.registrationId);
      const wallet = saleVoucher === undefined ? undefined : walletState.get(saleVoucher.walletAccountId);
      // In the account's currency, converted as its sale was: a void gives back exactly what the sale took.
      const totalMinor = saleVoucher === undefined ? 0 : (inAccount(record, saleVoucher.currency) ?? 0);
      const forgiven = Math.min(totalMinor, sale.shortfall);
      const refund = wallet === undefined ? 0 : Math.min(totalMinor - forgiven, sale.fromHold + sale.fromBalance - sale.givenBack);
      sale.shortfall -= forgiven;
      sale.givenBack += refund;
      if (sale.status === "shortfall" && sale.shortfall === 0) sale.status = "debited";
      if (refund > 0 && wallet !== undefined) {
        wallet.availableMinor += refund;
        wallet.reversedMinor += refund;
        wallet.firstReverseRecordId ??= record.id;
      }
      outcomes.push({
        recordId: record.id,
        status: "reversed",
        registrationId: null,
        fromHold: 0,
        fromBalance: 0,
        shortfall: 0,
        reversed: refund,
        givenBack: 0,
        reason: null,
      });
    }

    // The chunk's transfers: per voucher the hold posted and re-held, per wallet the balance
    // taken or given back, per currency the posted holds moved to revenue.
    const batch: BatchTransfer[] = [];
    const holdUpdates: { id: string; current: string | null }[] = [];
    for (const voucher of vouchers.values()) {
      if (voucher.postedMinor === 0 || voucher.hold === undefined) continue;
      const currency = voucher.currency;
      const { holds: holdsAccount } = airline.get(currency)!;
      batch.push({
        id: derivedId(`post:${voucher.firstPostRecordId}`),
        kind: "post",
        debitAccountId: voucher.walletAccountId,
        creditAccountId: holdsAccount,
        amountMinor: voucher.postedMinor,
        currency,
        pendingId: voucher.hold.id,
        code: "sale",
        reference: voucher.firstPostRecordId!,
      });
      const left = voucher.hold.amountMinor - voucher.postedMinor;
      const rehold = left > 0 ? derivedId(`rehold:${voucher.firstPostRecordId}`) : null;
      if (rehold !== null) {
        batch.push({
          id: rehold,
          kind: "pending",
          debitAccountId: voucher.walletAccountId,
          creditAccountId: holdsAccount,
          amountMinor: left,
          currency,
          ...(voucher.hold.expiresAtMs === null ? {} : { expiresAtMs: voucher.hold.expiresAtMs }),
          code: "hold",
          reference: voucher.registrationId,
        });
      }
      holdUpdates.push({ id: voucher.registrationId, current: rehold });
    }
    const walletCurrency = new Map(wallets.map((w) => [w.id, w.currency]));
    for (const [walletId, wallet] of walletState) {
      const currency = walletCurrency.get(walletId)!;
      const { revenue } = airline.get(currency) ?? { revenue: "" };
      if (wallet.balanceDebitMinor > 0) {
        batch.push({
          id: derivedId(`balance:${wallet.firstBalanceRecordId}`),
          kind: "single",
          debitAccountId: walletId,
          creditAccountId: revenue,
          amountMinor: wallet.balanceDebitMinor,
          currency,
          code: "sale_over_hold",
          reference: wallet.firstBalanceRecordId!,
        });
      }
      if (wallet.reversedMinor > 0) {
        batch.push({
          id: derivedId(`reverse:${wallet.firstReverseRecordId}`),
          kind: "single",
          debitAccountId: revenue,
          creditAccountId: walletId,
          amountMinor: wallet.reversedMinor,
          currency,
          code: "void",
          reference: wallet.firstReverseRecordId!,
        });
      }
    }
    for (const [currency, { holds: holdsAccount, revenue }] of airline) {
      const posted = [...vouchers.values()].filter((v) => v.currency === currency).reduce((sum, v) => sum + v.postedMinor, 0);
      if (posted > 0)
        batch.push({
          id: derivedId(`revenue:${pending[0]!.id}:${currency}`),
          kind: "single",
          debitAccountId: holdsAccount,
          creditAccountId: revenue,
          amountMinor: posted,
          currency,
          code: "sale",
          reference: pending[0]!.id,
        });
    }
    await applyTransfers(tx, batch, nowMs);

    const all = [...outcomes, ...sales.values()];
    await tx.execute(sql`
      UPDATE settlements s SET status = t.status, registration_id = t.registration_id, from_hold_minor = t.from_hold, from_balance_minor = t.from_balance,
                               shortfall_minor = t.shortfall, reversed_minor = t.reversed, reason = t.reason, settled_at_ms = coalesce(s.settled_at_ms, ${nowMs}::bigint)
        FROM unnest(${sql.param(all.map((o) => o.recordId))}::uuid[], ${sql.param(all.map((o) => o.status))}::text[], ${sql.param(all.map((o) => o.registrationId))}::uuid[],
                    ${sql.param(all.map((o) => o.fromHold))}::bigint[], ${sql.param(all.map((o) => o.fromBalance))}::bigint[], ${sql.param(all.map((o) => o.shortfall))}::bigint[],
                    ${sql.param(all.map((o) => o.reversed))}::bigint[], ${sql.param(all.map((o) => o.reason))}::text[])
          AS t(record_id, status, registration_id, from_hold, from_balance, shortfall, reversed, reason)
       WHERE s.record_id = t.record_id`);
    if (holdUpdates.length > 0) {
      await tx.execute(sql`
        UPDATE registrations r SET current_hold_transfer_id = t.current
          FROM unnest(${sql.param(holdUpdates.map((h) => h.id))}::uuid[], ${sql.param(holdUpdates.map((h) => h.current))}::uuid[]) AS t(id, current)
         WHERE r.id = t.id`);
    }
    const failed = outcomes.filter((o) => o.status === "failed").length;
    return { settled: outcomes.length - failed, skipped: rows.length - pending.length, failed };
  });
}

/** Sales reversed by this chunk but not in it. */
function reversedSaleIds(pending: readonly Record[]): string[] {
  const inChunk = new Set(pending.map((r) => r.id));
  return [
    ...new Set(pending.flatMap((r) => (r.referencedRecordId !== null && !inChunk.has(r.referencedRecordId) ? [r.referencedRecordId] : []))),
  ];
}

/** The registrations these settled sales were collected from. */
async function collectedFrom(tx: Executor, saleIds: readonly string[]): Promise<string[]> {
  if (saleIds.length === 0) return [];
  const rows = await tx
    .select({ registrationId: settlements.registrationId })
    .from(settlements)
    .where(and(inArray(settlements.recordId, [...saleIds]), isNotNull(settlements.registrationId)));
  return rows.map((row) => row.registrationId!);
}

/**
 * A record's total in an account currency: itself in the flight's currency, else converted at the
 * flight's rate (the one in its manifest); undefined when the flight has no rate into it.
 */
async function accountAmounts(
  tx: Executor,
  records: readonly { flightId: string; currency: string; totalMinor: number }[],
): Promise<(record: { flightId: string; currency: string; totalMinor: number }, accountCurrency: string) => number | undefined> {
  const flightIds = [...new Set(records.map((record) => record.flightId))];
  const rates = new Map<string, ExchangeRate[]>();
  for (const flightId of flightIds) rates.set(flightId, await ratesOf(tx, flightId));
  return (record, accountCurrency) => {
    if (record.currency === accountCurrency) return record.totalMinor;
    const rate = rateFor(rates.get(record.flightId) ?? [], accountCurrency);
    return rate === undefined ? undefined : convertMinor(money(record.totalMinor, record.currency), rate).amountMinor;
  };
}

/** Sales reversed by this chunk but settled in an earlier one, with what they collected so far. */
async function reversedSales(tx: Executor, pending: readonly Record[]) {
  const ids = reversedSaleIds(pending);
  const out = new Map<string, Outcome>();
  if (ids.length === 0) return out;
  for (const s of await tx.select().from(settlements).where(inArray(settlements.recordId, ids))) {
    out.set(s.recordId, {
      recordId: s.recordId,
      status: s.status,
      registrationId: s.registrationId,
      fromHold: s.fromHoldMinor,
      fromBalance: s.fromBalanceMinor,
      shortfall: s.shortfallMinor,
      reversed: s.reversedMinor,
      givenBack: 0,
      reason: s.reason,
    });
  }
  // What earlier voids and refunds of these sales already gave back.
  const given = await tx
    .select({ ref: saleRecords.referencedRecordId, total: sql<string>`coalesce(sum(${settlements.reversedMinor}), 0)::text` })
    .from(settlements)
    .innerJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
    .where(inArray(saleRecords.referencedRecordId, ids))
    .groupBy(saleRecords.referencedRecordId);
  for (const row of given) {
    const sale = out.get(row.ref!);
    if (sale !== undefined) sale.givenBack = Number(row.total);
  }
  return out;
}

/** The registration's hold if it can still be released: unresolved. */
async function unresolvedHold(tx: Executor, holdId: string | null) {
  if (holdId === null) return undefined;
  const [hold] = await tx.select().from(transfers).where(eq(transfers.id, holdId));
  const [resolution] = await tx.select({ id: transfers.id }).from(transfers).where(eq(transfers.pendingId, holdId));
  return hold === undefined || resolution !== undefined ? undefined : hold;
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
    // Every active registration is closed out, including those whose hold sales used up entirely,
    // and every cancelled one whose hold was kept because its voucher was already on board.
    const open = await tx
      .select()
      .from(registrations)
      .where(
        and(
          eq(registrations.flightId, flightId),
          isNull(registrations.releasedAtMs),
          or(eq(registrations.status, "active"), isNotNull(registrations.currentHoldTransferId)),
        ),
      )
      .orderBy(registrations.id)
      .for("update");
    await releaseHolds(tx, open, nowMs);
    await tx.update(flights).set({ closedAtMs: nowMs }).where(eq(flights.id, flightId));
    return "closed";
  });
}

/** Registrations released per sweep; the next sweep takes the rest. */
export const RELEASE_SWEEP_MAX = 500;

/**
 * The safety net behind `closeFlight`: releases any hold still open on a flight that is closed (a
 * registration that raced the close, say), so no hold outlives its flight. Returns how many.
 */
export async function releaseHoldsOfClosedFlights(db: Database, nowMs: number): Promise<number> {
  return db.transaction(async (tx) => {
    const stranded = await tx
      .select({ registration: registrations })
      .from(registrations)
      .innerJoin(flights, eq(flights.id, registrations.flightId))
      .where(and(isNotNull(flights.closedAtMs), isNotNull(registrations.currentHoldTransferId)))
      .orderBy(registrations.id)
      .limit(RELEASE_SWEEP_MAX)
      .for("update", { of: registrations });
    await releaseHolds(
      tx,
      stranded.map((row) => row.registration),
      nowMs,
    );
    return stranded.length;
  });
}

/**
 * Voids what is left of each registration's hold and marks it released. The registrations must be
 * locked already (the first step of the lock order); every account the releases touch is then
 * locked at once in id order before the first release: one by one, a wallet sorting before the
 * holds account would be locked out of order.
 */
async function releaseHolds(tx: Executor, open: readonly (typeof registrations.$inferSelect)[], nowMs: number): Promise<void> {
  const unresolved = new Map<string, NonNullable<Awaited<ReturnType<typeof unresolvedHold>>>>();
  for (const registration of open) {
    const hold = await unresolvedHold(tx, registration.currentHoldTransferId);
    if (hold !== undefined) unresolved.set(registration.id, hold);
  }
  await lockAccounts(
    tx,
    [...unresolved.values()].flatMap((hold) => [hold.debitAccountId, hold.creditAccountId]),
  );
  for (const registration of open) {
    const hold = unresolved.get(registration.id);
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
