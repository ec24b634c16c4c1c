/**
 * Settlement: turns accepted records into ledger transfers, exactly once each. `settleChunks`
 * reads one or several chunks and everything their plan needs under the ledger's lock order, asks
 * the pure plan (`settlement-plan.ts`) what to move, and writes it: one batch of transfers, one
 * update of the settlements, one of the registrations' current holds. All in one transaction.
 */
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { arrayParam } from "../db/arrays.js";
import { anyUuid, type Database, type Executor } from "../db/client.js";
import { transfers } from "../db/schema/ledger.js";
import { registrations } from "../db/schema/registrations.js";
import { type SettlementStatus, saleRecords, settlements } from "../db/schema/uploads.js";
import { airlineAccount, applyTransfers, availableOf, lockAccounts } from "../ledger/ledger.js";
import { NotYetError } from "./not-yet.js";
import { SETTLE_CHUNK_MAX } from "./outbox.js";
import { accountAmounts } from "./rates.js";
import {
  type AirlineAccounts,
  type Outcome,
  type PlanInput,
  type PlanRecord,
  type PlanVoucher,
  planSettlement,
} from "./settlement-plan.js";

export { NotYetError } from "./not-yet.js";

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

export interface ChunkResult {
  readonly settled: number;
  readonly skipped: number;
  readonly failed: number;
}

/**
 * Settles several chunks in one transaction, all or none: one read, one lock of the accounts, one
 * plan, one batch of transfers and one commit for all of them, where each chunk alone would pay
 * them again (a fleet's landing wave is hundreds of 300-record uploads; `jobs/settle-together.ts`).
 * Records are planned chain by chain (terminal, flight, sequence): a reversal's sale is of its own
 * chain (ingest refuses any other), so it comes before it here or was settled before; one whose
 * sale waits in a chunk not given makes the whole call not yet, as it does a chunk alone. At most
 * `SETTLE_CHUNK_MAX` records in all: the airline's accounts stay locked no longer than for one
 * full chunk. What each chunk did, in the order given.
 */
export async function settleChunks(db: Database, chunks: readonly (readonly string[])[], nowMs: number): Promise<ChunkResult[]> {
  const recordIds = chunks.flat();
  if (recordIds.length === 0 || recordIds.length > SETTLE_CHUNK_MAX)
    throw new RangeError(`settling needs 1 to ${SETTLE_CHUNK_MAX} records in all, got ${recordIds.length}`);
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ record: RECORD_COLUMNS, status: settlements.status })
      .from(settlements)
      .innerJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
      .where(anyUuid(settlements.recordId, recordIds))
      .orderBy(saleRecords.terminalId, saleRecords.flightId, saleRecords.sequence);
    const pending: PlanRecord[] = rows.filter((row) => row.status === "pending").map((row) => row.record);
    if (pending.length === 0) return resultsOf(chunks, rows, []);
    const inputs = await lockedInputs(tx, pending, nowMs);
    await requireStillPending(tx, pending);
    const plan = planSettlement(inputs);
    if (plan.kind === "not_yet") throw new NotYetError(plan.reason);
    await applyTransfers(tx, plan.transfers, nowMs);
    await storeOutcomes(tx, plan.outcomes, nowMs);
    await storeCurrentHolds(tx, plan.holdUpdates);
    return resultsOf(chunks, rows, plan.outcomes);
  });
}

/** Per chunk: its records settled now (failed or not), and those found settled already. */
function resultsOf(
  chunks: readonly (readonly string[])[],
  rows: readonly { record: { id: string }; status: SettlementStatus }[],
  outcomes: readonly Outcome[],
): ChunkResult[] {
  const statusNow = new Map(outcomes.map((o) => [o.recordId, o.status]));
  const wasPending = new Set(rows.filter((row) => row.status === "pending").map((row) => row.record.id));
  const read = new Set(rows.map((row) => row.record.id));
  return chunks.map((ids) => {
    const settledNow = ids.filter((id) => wasPending.has(id));
    const failed = settledNow.filter((id) => statusNow.get(id) === "failed").length;
    return { settled: settledNow.length - failed, skipped: ids.filter((id) => read.has(id) && !wasPending.has(id)).length, failed };
  });
}

/**
 * The plan's inputs, read under the lock order of every ledger transaction (see `lockAccounts`):
 * registrations by id, then every account the chunk touches (the airline's and the wallets) by
 * id, in one statement. Taking the airline's accounts first instead deadlocked against a flight's
 * close and against cancellations whenever a wallet's id sorted before them (found by the fleet
 * burst). Who the reversed sales were collected from is read before the locks (a settled sale
 * never changes it); what they gave back so far after, under those registrations' locks, so that
 * two chunks reversing one sale cannot both start from the same figures.
 */
async function lockedInputs(tx: Executor, pending: readonly PlanRecord[], nowMs: number): Promise<PlanInput> {
  const registrationIds = new Set(pending.flatMap((r) => (r.kind === "sale" ? [r.voucherId] : [])));
  for (const id of await collectedFrom(tx, reversedSaleIds(pending))) registrationIds.add(id);
  const airline = await airlineAccounts(tx, pending, registrationIds, nowMs);
  const regs = await tx
    .select()
    .from(registrations)
    .where(anyUuid(registrations.id, [...registrationIds].sort()))
    .orderBy(registrations.id)
    .for("update");
  const walletIds = new Set(regs.map((r) => r.walletAccountId));
  const locked = await lockAccounts(tx, [...walletIds, ...[...airline.values()].flatMap((a) => [a.holdsAccountId, a.revenueAccountId])]);
  const wallets = [...locked.values()].filter((account) => walletIds.has(account.id));
  return {
    records: pending,
    vouchers: await vouchersOf(tx, regs, nowMs),
    wallets: new Map(wallets.map((w) => [w.id, { accountId: w.id, currency: w.currency, availableMinor: availableOf(w) }])),
    settledSales: await reversedSales(tx, pending),
    airline,
    inAccount: await accountAmounts(tx, pending),
  };
}

/**
 * The chunk's records were read pending before the locks. A job of an overlapping chunk (a sweep
 * that could not mark its rows queued chunks them anew) may have settled some meanwhile: it held
 * the same registrations' locks until it committed, so read under them, its statuses are final.
 * Then this job is retried, and takes what is left.
 */
async function requireStillPending(tx: Executor, pending: readonly PlanRecord[]): Promise<void> {
  // Statuses by key, counted here: asked for `status = 'pending'` as well, PostgreSQL ANDed the key
  // with the pending index and read that whole index (every pending row of a landing wave, and the
  // entries of those settled since) for each chunk: 6 ms a chunk on average in a 120,000-record burst, 60 ms at its end.
  const rows = await tx
    .select({ status: settlements.status })
    .from(settlements)
    .where(
      anyUuid(
        settlements.recordId,
        pending.map((r) => r.id),
      ),
    );
  const settledMeanwhile = pending.length - rows.filter((row) => row.status === "pending").length;
  if (settledMeanwhile > 0)
    throw new NotYetError(`${settledMeanwhile} records of this chunk were settled meanwhile by another job: read again`);
}

/**
 * The airline's accounts in every currency the chunk moves: its records' and its accounts' (a CNY
 * registration on a HKD leg), the latter read before the locks (a registration's currency never changes).
 */
async function airlineAccounts(
  tx: Executor,
  pending: readonly PlanRecord[],
  registrationIds: ReadonlySet<string>,
  nowMs: number,
): Promise<Map<string, AirlineAccounts>> {
  const accountCurrencies =
    registrationIds.size === 0
      ? []
      : await tx
          .selectDistinct({ currency: registrations.currency })
          .from(registrations)
          .where(anyUuid(registrations.id, [...registrationIds]));
  const airline = new Map<string, AirlineAccounts>();
  for (const currency of [...new Set([...pending.map((r) => r.currency), ...accountCurrencies.map((r) => r.currency)])].sort()) {
    const holds = await airlineAccount(tx, "inflight_holds", currency, nowMs);
    const revenue = await airlineAccount(tx, "airline_revenue", currency, nowMs);
    airline.set(currency, { holdsAccountId: holds.id, revenueAccountId: revenue.id });
  }
  return airline;
}

/** Each locked registration with the hold its sales take from, if that hold can still be posted. */
async function vouchersOf(
  tx: Executor,
  regs: readonly (typeof registrations.$inferSelect)[],
  nowMs: number,
): Promise<Map<string, PlanVoucher>> {
  const holdIds = regs.flatMap((r) => (r.currentHoldTransferId === null ? [] : [r.currentHoldTransferId]));
  const holds = holdIds.length === 0 ? [] : await tx.select().from(transfers).where(anyUuid(transfers.id, holdIds));
  const resolved = new Set(
    holdIds.length === 0
      ? []
      : (await tx.select({ id: transfers.pendingId }).from(transfers).where(anyUuid(transfers.pendingId, holdIds))).map((r) => r.id),
  );
  const vouchers = new Map<string, PlanVoucher>();
  for (const reg of regs) {
    const hold = holds.find((h) => h.id === reg.currentHoldTransferId);
    const usable = hold !== undefined && !resolved.has(hold.id) && (hold.expiresAtMs === null || nowMs < hold.expiresAtMs);
    vouchers.set(reg.id, {
      registrationId: reg.id,
      flightId: reg.flightId,
      walletAccountId: reg.walletAccountId,
      currency: reg.currency,
      hold: usable ? { id: hold.id, amountMinor: hold.amountMinor, expiresAtMs: hold.expiresAtMs } : undefined,
    });
  }
  return vouchers;
}

/** Sales reversed by this chunk but not in it. */
function reversedSaleIds(pending: readonly PlanRecord[]): string[] {
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
    .where(and(anyUuid(settlements.recordId, [...saleIds]), isNotNull(settlements.registrationId)));
  return rows.map((row) => row.registrationId!);
}

/** Sales reversed by this chunk but settled in an earlier one, with what they collected and gave back so far. */
async function reversedSales(tx: Executor, pending: readonly PlanRecord[]): Promise<Map<string, Outcome>> {
  const ids = reversedSaleIds(pending);
  const out = new Map<string, Outcome>();
  if (ids.length === 0) return out;
  // What earlier voids and refunds of these sales already gave back.
  const given = await tx
    .select({ ref: saleRecords.referencedRecordId, total: sql<string>`coalesce(sum(${settlements.reversedMinor}), 0)::text` })
    .from(settlements)
    .innerJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
    .where(anyUuid(saleRecords.referencedRecordId, ids))
    .groupBy(saleRecords.referencedRecordId);
  const givenBack = new Map(given.map((row) => [row.ref!, Number(row.total)]));
  for (const s of await tx.select().from(settlements).where(anyUuid(settlements.recordId, ids))) {
    out.set(s.recordId, {
      recordId: s.recordId,
      status: s.status,
      registrationId: s.registrationId,
      fromHoldMinor: s.fromHoldMinor,
      fromBalanceMinor: s.fromBalanceMinor,
      shortfallMinor: s.shortfallMinor,
      reversedMinor: s.reversedMinor,
      givenBackMinor: givenBack.get(s.recordId) ?? 0,
      reason: s.reason,
    });
  }
  return out;
}

async function storeOutcomes(tx: Executor, all: readonly Outcome[], nowMs: number): Promise<void> {
  const of = <K extends keyof Outcome>(key: K) => arrayParam(all.map((o) => o[key]));
  await tx.execute(sql`
    UPDATE settlements s SET status = t.status, registration_id = t.registration_id, from_hold_minor = t.from_hold, from_balance_minor = t.from_balance,
                             shortfall_minor = t.shortfall, reversed_minor = t.reversed, reason = t.reason, settled_at_ms = coalesce(s.settled_at_ms, ${nowMs}::bigint)
      FROM unnest(${of("recordId")}::uuid[], ${of("status")}::text[], ${of("registrationId")}::uuid[],
                  ${of("fromHoldMinor")}::bigint[], ${of("fromBalanceMinor")}::bigint[], ${of("shortfallMinor")}::bigint[],
                  ${of("reversedMinor")}::bigint[], ${of("reason")}::text[])
        AS t(record_id, status, registration_id, from_hold, from_balance, shortfall, reversed, reason)
     WHERE s.record_id = t.record_id`);
}

async function storeCurrentHolds(
  tx: Executor,
  updates: readonly { registrationId: string; currentHoldId: string | null }[],
): Promise<void> {
  if (updates.length === 0) return;
  await tx.execute(sql`
    UPDATE registrations r SET current_hold_transfer_id = t.current
      FROM unnest(${arrayParam(updates.map((h) => h.registrationId))}::uuid[], ${arrayParam(updates.map((h) => h.currentHoldId))}::uuid[]) AS t(id, current)
     WHERE r.id = t.id`);
}
