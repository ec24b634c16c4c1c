/**
 * The one ledger engine, in the spirit of TigerBeetle's create_transfers: a batch of transfers is
 * checked, then written with one insert and one update of each touched account's totals, inside
 * the caller's transaction (all or nothing). A single transfer is a batch of one (`ledger.ts`).
 *
 * The checks, in order: shape (ids unique, amounts positive whole numbers, currencies, two
 * accounts); holds named by resolutions exist; accounts exist and share the currency; a repeated
 * id means the same transfer (then it is reported `exists` and changes nothing); a hold is
 * resolved at most once and a post is neither late nor more than held; no wallet is overdrawn,
 * transfer by transfer in batch order. The CHECK constraints and the unique index on `pending_id`
 * stay as the last line of defence, and what they refuse reads as the same refusal.
 */
import { isCurrencyCode } from "@cabinpay/shared";
import { sql } from "drizzle-orm";
import { arrayParam } from "../db/arrays.js";
import { anyUuid, type Executor, queryRows } from "../db/client.js";
import { constraintOf } from "../db/constraint.js";
import { transfers } from "../db/schema/ledger.js";
import { type Account, availableOf, lockAccounts } from "./accounts.js";
import { LedgerError } from "./errors.js";

export type Transfer = typeof transfers.$inferSelect;

/** A transfer that moves money at once (`single`) or holds it until resolved (`pending`). */
export interface MoveInput {
  readonly kind: "single" | "pending";
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly code: string;
  readonly reference?: string;
  /** For a hold: when it may be expired if still unresolved. */
  readonly expiresAtMs?: number;
}

/** Resolves a hold made earlier: its accounts and currency are the hold's. */
export interface ResolveInput {
  readonly kind: "post" | "void" | "expire";
  readonly id: string;
  readonly pendingId: string;
  /** For a post: how much of the hold moves (all of it by default); the rest is released. */
  readonly amountMinor?: number;
  readonly code: string;
  /** By default, what its hold was for (a registration, …). */
  readonly reference?: string;
}

export type TransferInput = MoveInput | ResolveInput;

function isMove(input: TransferInput): input is MoveInput {
  return input.kind === "single" || input.kind === "pending";
}

export interface TransferResult {
  /** `exists`: a transfer with this id and the same fields was made before; nothing changed. */
  readonly status: "created" | "exists";
  readonly transfer: Transfer;
}

/** TigerBeetle's batch size: a settlement chunk's transfers fit many times over. */
export const TRANSFERS_PER_BATCH_MAX = 8_190;

type Row = Omit<Transfer, "createdAtMs">;

export async function applyTransfers(tx: Executor, batch: readonly TransferInput[], nowMs: number): Promise<TransferResult[]> {
  if (batch.length === 0) return [];
  checkBatch(batch);
  const holds = await holdsOf(tx, batch);
  const rows = batch.map((input) => rowOf(input, holds));
  const locked = await lockAccounts(
    tx,
    rows.flatMap((row) => [row.debitAccountId, row.creditAccountId]),
  );
  for (const row of rows) checkAccounts(row, locked);
  const existing = await transfersById(
    tx,
    rows.map((row) => row.id),
  );
  for (const row of rows) {
    const found = existing.get(row.id);
    if (found !== undefined) sameOrConflict(found, row);
  }
  const fresh = rows.filter((row) => !existing.has(row.id));
  await checkResolutions(tx, fresh, holds, nowMs);
  checkOverdraw(fresh, holds, locked);
  const inserted = await insertRows(tx, fresh, nowMs);
  // Inserted by a concurrent transaction between our check and our insert: the same or refused.
  const raced = await transfersById(
    tx,
    fresh.filter((row) => !inserted.has(row.id)).map((row) => row.id),
  );
  for (const row of fresh) if (raced.has(row.id)) sameOrConflict(raced.get(row.id)!, row);
  await applyDeltas(
    tx,
    fresh.filter((row) => inserted.has(row.id)),
    holds,
  );
  return rows.map((row) => {
    const before = existing.get(row.id) ?? raced.get(row.id);
    return before === undefined ? { status: "created", transfer: { ...row, createdAtMs: nowMs } } : { status: "exists", transfer: before };
  });
}

function checkBatch(batch: readonly TransferInput[]): void {
  if (batch.length > TRANSFERS_PER_BATCH_MAX)
    throw new LedgerError("validation_failed", `${batch.length} transfers in one batch, at most ${TRANSFERS_PER_BATCH_MAX}`);
  if (new Set(batch.map((input) => input.id)).size !== batch.length)
    throw new LedgerError("validation_failed", "a batch names one transfer id twice");
}

async function holdsOf(tx: Executor, batch: readonly TransferInput[]): Promise<Map<string, Transfer>> {
  const ids = batch.flatMap((input) => (isMove(input) ? [] : [input.pendingId]));
  return transfersById(tx, ids);
}

/** The full row a transfer writes; a resolution takes its accounts and currency from its hold. */
function rowOf(input: TransferInput, holds: ReadonlyMap<string, Transfer>): Row {
  if (isMove(input)) {
    checkAmount(input.id, input.amountMinor);
    if (!isCurrencyCode(input.currency)) throw new LedgerError("validation_failed", `unsupported currency ${input.currency}`);
    if (input.debitAccountId === input.creditAccountId)
      throw new LedgerError("validation_failed", "a transfer needs two different accounts");
    return {
      id: input.id,
      kind: input.kind,
      debitAccountId: input.debitAccountId,
      creditAccountId: input.creditAccountId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      pendingId: null,
      expiresAtMs: input.kind === "pending" ? (input.expiresAtMs ?? null) : null,
      code: input.code,
      reference: input.reference ?? null,
    };
  }
  const hold = holds.get(input.pendingId);
  if (hold === undefined || hold.kind !== "pending") throw new LedgerError("pending_not_found", `no pending transfer ${input.pendingId}`);
  const amountMinor = input.kind === "post" ? (input.amountMinor ?? hold.amountMinor) : hold.amountMinor;
  checkAmount(input.id, amountMinor);
  if (amountMinor > hold.amountMinor)
    throw new LedgerError("post_exceeds_pending", `${amountMinor} is more than the ${hold.amountMinor} held`);
  return {
    id: input.id,
    kind: input.kind,
    debitAccountId: hold.debitAccountId,
    creditAccountId: hold.creditAccountId,
    amountMinor,
    currency: hold.currency,
    pendingId: hold.id,
    expiresAtMs: null,
    code: input.code,
    reference: input.reference ?? hold.reference,
  };
}

function checkAmount(id: string, amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0)
    throw new LedgerError("validation_failed", `transfer ${id}: amountMinor must be a positive whole number, got ${amountMinor}`);
}

function checkAccounts(row: Row, locked: ReadonlyMap<string, Account>): void {
  const debit = locked.get(row.debitAccountId);
  const credit = locked.get(row.creditAccountId);
  if (debit === undefined || credit === undefined) throw new LedgerError("account_not_found", "the debit or credit account does not exist");
  if (debit.currency !== row.currency || credit.currency !== row.currency)
    throw new LedgerError("currency_mismatch", `accounts in ${debit.currency} and ${credit.currency}, transfer in ${row.currency}`);
}

/** A repeated id is fine when it means the same transfer; anything else is a client bug. */
function sameOrConflict(existing: Transfer, row: Row): void {
  const same =
    existing.kind === row.kind &&
    existing.debitAccountId === row.debitAccountId &&
    existing.creditAccountId === row.creditAccountId &&
    existing.amountMinor === row.amountMinor &&
    existing.currency === row.currency &&
    existing.pendingId === row.pendingId &&
    existing.code === row.code &&
    existing.reference === row.reference;
  if (!same) throw new LedgerError("exists_with_different_fields", `transfer ${row.id} exists with different fields`);
}

/**
 * Each hold resolved once, ever: not by an earlier transfer, not twice in this batch. Read under
 * the hold's account locks, so a concurrent resolution waits and then finds this one.
 */
async function checkResolutions(tx: Executor, fresh: readonly Row[], holds: ReadonlyMap<string, Transfer>, nowMs: number): Promise<void> {
  const resolving = fresh.filter((row) => row.pendingId !== null);
  if (resolving.length === 0) return;
  const pendingIds = resolving.map((row) => row.pendingId!);
  const resolvedBy = new Map(
    (
      await tx.select({ id: transfers.id, pendingId: transfers.pendingId }).from(transfers).where(anyUuid(transfers.pendingId, pendingIds))
    ).map((row) => [row.pendingId!, row.id]),
  );
  for (const row of resolving) {
    const hold = holds.get(row.pendingId!)!;
    const by = resolvedBy.get(hold.id);
    if (by !== undefined) throw new LedgerError("pending_already_resolved", `hold ${hold.id} was resolved by ${by}`);
    resolvedBy.set(hold.id, row.id);
    const expired = hold.expiresAtMs !== null && nowMs >= hold.expiresAtMs;
    if (row.kind === "expire" && !expired) throw new LedgerError("validation_failed", "the hold has not expired yet");
    if (row.kind === "post" && expired) throw new LedgerError("pending_expired", `hold ${hold.id} expired`);
  }
}

interface Delta {
  dp: number;
  cp: number;
  dq: number;
  cq: number;
}

/** What a transfer does to its two accounts' totals. */
function effectOf(row: Row, holds: ReadonlyMap<string, Transfer>): { debit: Delta; credit: Delta } {
  const released = row.pendingId === null ? 0 : holds.get(row.pendingId)!.amountMinor;
  const posted = row.kind === "single" || row.kind === "post" ? row.amountMinor : 0;
  const held = row.kind === "pending" ? row.amountMinor : -released;
  return { debit: { dp: posted, cp: 0, dq: held, cq: 0 }, credit: { dp: 0, cp: posted, dq: 0, cq: held } };
}

/** No wallet may spend more than it was credited, after any prefix of the batch. */
function checkOverdraw(fresh: readonly Row[], holds: ReadonlyMap<string, Transfer>, locked: ReadonlyMap<string, Account>): void {
  const totals = new Map<string, Account>();
  for (const row of fresh) {
    const debit = totals.get(row.debitAccountId) ?? locked.get(row.debitAccountId)!;
    const credit = totals.get(row.creditAccountId) ?? locked.get(row.creditAccountId)!;
    const effect = effectOf(row, holds);
    const after = withDelta(debit, effect.debit);
    if (after.debitsMustNotExceedCredits && after.debitsPostedMinor + after.debitsPendingMinor > after.creditsPostedMinor) {
      const availableMinor = availableOf(debit);
      throw new LedgerError("insufficient_funds", `${row.amountMinor} needed, ${availableMinor} available`, { availableMinor });
    }
    totals.set(row.debitAccountId, after);
    totals.set(row.creditAccountId, withDelta(credit, effect.credit));
  }
}

function withDelta(account: Account, delta: Delta): Account {
  return {
    ...account,
    debitsPostedMinor: account.debitsPostedMinor + delta.dp,
    creditsPostedMinor: account.creditsPostedMinor + delta.cp,
    debitsPendingMinor: account.debitsPendingMinor + delta.dq,
    creditsPendingMinor: account.creditsPendingMinor + delta.cq,
  };
}

async function transfersById(tx: Executor, ids: readonly string[]): Promise<Map<string, Transfer>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select()
    .from(transfers)
    .where(anyUuid(transfers.id, [...new Set(ids)]));
  return new Map(rows.map((row) => [row.id, row]));
}

/** One statement for the whole batch; the ids it wrote (a concurrent writer may have taken some). */
async function insertRows(tx: Executor, rows: readonly Row[], nowMs: number): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const column = <K extends keyof Row>(key: K) => arrayParam(rows.map((row) => row[key]));
  const written = await refusingAsLedger(() =>
    queryRows<{ id: string }>(
      tx,
      sql`
      INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, amount_minor, currency, pending_id, expires_at_ms, code, reference, created_at_ms)
      SELECT id, kind, debit_account_id, credit_account_id, amount_minor, currency, pending_id, expires_at_ms, code, reference, ${nowMs}::bigint
        FROM unnest(${column("id")}::uuid[], ${column("kind")}::text[], ${column("debitAccountId")}::uuid[], ${column("creditAccountId")}::uuid[],
                    ${column("amountMinor")}::bigint[], ${column("currency")}::text[], ${column("pendingId")}::uuid[], ${column("expiresAtMs")}::bigint[],
                    ${column("code")}::text[], ${column("reference")}::text[])
          AS t(id, kind, debit_account_id, credit_account_id, amount_minor, currency, pending_id, expires_at_ms, code, reference)
      ON CONFLICT (id) DO NOTHING
      RETURNING id`,
    ),
  );
  return new Set(written.map((row) => row.id));
}

/** One update of every touched account's totals, net of the batch. */
async function applyDeltas(tx: Executor, rows: readonly Row[], holds: ReadonlyMap<string, Transfer>): Promise<void> {
  const deltas = new Map<string, Delta>();
  const add = (id: string, delta: Delta) => {
    const sum = deltas.get(id) ?? { dp: 0, cp: 0, dq: 0, cq: 0 };
    deltas.set(id, { dp: sum.dp + delta.dp, cp: sum.cp + delta.cp, dq: sum.dq + delta.dq, cq: sum.cq + delta.cq });
  };
  for (const row of rows) {
    const effect = effectOf(row, holds);
    add(row.debitAccountId, effect.debit);
    add(row.creditAccountId, effect.credit);
  }
  if (deltas.size === 0) return;
  const ids = [...deltas.keys()];
  const of = (key: keyof Delta) => arrayParam(ids.map((id) => deltas.get(id)![key]));
  await refusingAsLedger(() =>
    tx.execute(sql`
      UPDATE accounts a SET debits_posted_minor = a.debits_posted_minor + t.dp, credits_posted_minor = a.credits_posted_minor + t.cp,
                            debits_pending_minor = a.debits_pending_minor + t.dq, credits_pending_minor = a.credits_pending_minor + t.cq
        FROM unnest(${arrayParam(ids)}::uuid[], ${of("dp")}::bigint[], ${of("cp")}::bigint[], ${of("dq")}::bigint[], ${of("cq")}::bigint[])
          AS t(id, dp, cp, dq, cq)
       WHERE a.id = t.id`),
  );
}

/** The constraints behind the checks above refuse with the same codes, should a bug get past them. */
const CONSTRAINT_CODES = {
  transfers_pending_resolved_once: "pending_already_resolved",
  accounts_no_overdraw: "insufficient_funds",
} as const;

async function refusingAsLedger<T>(statement: () => Promise<T>): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    const code = CONSTRAINT_CODES[constraintOf(error) as keyof typeof CONSTRAINT_CODES];
    if (code === undefined) throw error;
    throw new LedgerError(code, `refused by the database: ${constraintOf(error)}`);
  }
}
