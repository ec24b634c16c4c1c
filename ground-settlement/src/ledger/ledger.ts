/**
 * The ledger's operations. Each must run inside a database transaction (`Executor` from
 * `db.transaction`); a rejection throws an ApiError so that the caller's whole transaction rolls
 * back and nothing half-done is committed. Amounts are integer minor units, checked on the way in.
 */
import { isCurrencyCode, newId } from "@cabinpay/shared";
import { and, eq, inArray, sql } from "drizzle-orm";
import { type Executor, queryRows } from "../db/client.js";
import { type AccountKind, accounts, type TransferKind, transfers } from "../db/schema/ledger.js";
import { ApiError } from "../errors.js";

export type Account = typeof accounts.$inferSelect;
export type Transfer = typeof transfers.$inferSelect;

export interface TransferResult {
  /** `exists`: a transfer with this id and the same fields was made before; nothing changed. */
  readonly status: "created" | "exists";
  readonly transfer: Transfer;
}

export interface NewTransfer {
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly code: string;
  readonly reference?: string;
  readonly nowMs: number;
}

/** A transfer that moves money at once. */
export async function createTransfer(tx: Executor, input: NewTransfer): Promise<TransferResult> {
  return insertTransfer(tx, { ...input, kind: "single", pendingId: null, expiresAtMs: null });
}

/** A hold: reserves the amount on both accounts until it is posted, voided or expired. */
export async function createPending(tx: Executor, input: NewTransfer & { readonly expiresAtMs: number }): Promise<TransferResult> {
  return insertTransfer(tx, { ...input, kind: "pending", pendingId: null });
}

export interface Resolution {
  readonly id: string;
  readonly pendingId: string;
  readonly code: string;
  readonly reference?: string;
  readonly nowMs: number;
}

/** Posts a hold in full or in part; what is not posted is released. Resolves the hold for good. */
export async function postPending(tx: Executor, input: Resolution & { readonly amountMinor?: number }): Promise<TransferResult> {
  return resolvePending(tx, input, "post");
}

/** Releases a hold entirely. */
export async function voidPending(tx: Executor, input: Resolution): Promise<TransferResult> {
  return resolvePending(tx, input, "void");
}

/** Releases a hold whose expiry has passed (the sweeper's job). */
export async function expirePending(tx: Executor, input: Resolution): Promise<TransferResult> {
  return resolvePending(tx, input, "expire");
}

export interface Balance {
  readonly accountId: string;
  readonly currency: string;
  /** credits − debits of posted transfers. */
  readonly postedMinor: number;
  readonly pendingDebitsMinor: number;
  readonly pendingCreditsMinor: number;
  /** What can still be spent: posted balance less what is held. */
  readonly availableMinor: number;
}

export function balanceOf(account: Account): Balance {
  const postedMinor = account.creditsPostedMinor - account.debitsPostedMinor;
  return {
    accountId: account.id,
    currency: account.currency,
    postedMinor,
    pendingDebitsMinor: account.debitsPendingMinor,
    pendingCreditsMinor: account.creditsPendingMinor,
    availableMinor: postedMinor - account.debitsPendingMinor,
  };
}

export async function getAccount(tx: Executor, accountId: string): Promise<Account> {
  const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId));
  if (account === undefined) throw new ApiError("account_not_found", `no account ${accountId}`);
  return account;
}

/** The airline's account of a kind in a currency, created on first use. */
export async function airlineAccount(
  tx: Executor,
  kind: Exclude<AccountKind, "passenger_wallet">,
  currency: string,
  nowMs: number,
): Promise<Account> {
  return ensureAccount(tx, { kind, currency, ownerId: null, debitsMustNotExceedCredits: false, nowMs });
}

/** A passenger's wallet in a currency, created on first use. Wallets can never be overdrawn. */
export async function walletAccount(tx: Executor, passengerId: string, currency: string, nowMs: number): Promise<Account> {
  return ensureAccount(tx, { kind: "passenger_wallet", currency, ownerId: passengerId, debitsMustNotExceedCredits: true, nowMs });
}

/** Top-up for ops and tests: moves money from the airline's funding account into a wallet. */
export async function fundWallet(
  tx: Executor,
  input: {
    readonly transferId: string;
    readonly walletAccountId: string;
    readonly amountMinor: number;
    readonly reference?: string;
    readonly nowMs: number;
  },
): Promise<TransferResult> {
  const wallet = await getAccount(tx, input.walletAccountId);
  if (wallet.kind !== "passenger_wallet") throw new ApiError("account_not_found", "only passenger wallets are funded");
  const funding = await airlineAccount(tx, "funding", wallet.currency, input.nowMs);
  return createTransfer(tx, {
    id: input.transferId,
    debitAccountId: funding.id,
    creditAccountId: wallet.id,
    amountMinor: input.amountMinor,
    currency: wallet.currency,
    code: "funding",
    ...(input.reference === undefined ? {} : { reference: input.reference }),
    nowMs: input.nowMs,
  });
}

export interface CurrencyTotals {
  readonly currency: string;
  /** Σ (credits − debits) over every account: zero in a double-entry ledger. */
  readonly postedSumMinor: number;
  readonly pendingSumMinor: number;
}

/** Per-currency sums over all accounts: the proof that the ledger balances (both must be 0). */
export async function ledgerTotals(tx: Executor): Promise<CurrencyTotals[]> {
  const rows = await queryRows<{ currency: string; posted: string; pending: string }>(
    tx,
    sql`SELECT currency,
          sum(credits_posted_minor - debits_posted_minor)::text AS posted,
          sum(credits_pending_minor - debits_pending_minor)::text AS pending
        FROM accounts GROUP BY currency ORDER BY currency`,
  );
  return rows.map((row) => ({ currency: row.currency, postedSumMinor: Number(row.posted), pendingSumMinor: Number(row.pending) }));
}

/**
 * Accounts whose stored totals differ from the totals recomputed from their transfers: empty in a
 * healthy ledger. Stored totals are a cache of the transfer history; this checks the cache.
 */
export async function accountsOutOfBalance(tx: Executor): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`WITH effects AS (
          SELECT t.debit_account_id AS account, CASE WHEN t.kind IN ('single', 'post') THEN t.amount_minor ELSE 0 END AS debit_posted,
                 0 AS credit_posted,
                 CASE WHEN t.kind = 'pending' THEN t.amount_minor WHEN t.kind IN ('post', 'void', 'expire') THEN -p.amount_minor ELSE 0 END AS debit_pending,
                 0 AS credit_pending
            FROM transfers t LEFT JOIN transfers p ON p.id = t.pending_id
          UNION ALL
          SELECT t.credit_account_id, 0, CASE WHEN t.kind IN ('single', 'post') THEN t.amount_minor ELSE 0 END,
                 0, CASE WHEN t.kind = 'pending' THEN t.amount_minor WHEN t.kind IN ('post', 'void', 'expire') THEN -p.amount_minor ELSE 0 END
            FROM transfers t LEFT JOIN transfers p ON p.id = t.pending_id
        ), recomputed AS (
          SELECT account, sum(debit_posted) AS dp, sum(credit_posted) AS cp, sum(debit_pending) AS dq, sum(credit_pending) AS cq
            FROM effects GROUP BY account
        )
        SELECT a.id FROM accounts a LEFT JOIN recomputed r ON r.account = a.id
         WHERE a.debits_posted_minor <> coalesce(r.dp, 0) OR a.credits_posted_minor <> coalesce(r.cp, 0)
            OR a.debits_pending_minor <> coalesce(r.dq, 0) OR a.credits_pending_minor <> coalesce(r.cq, 0)`,
  );
  return rows.map((row) => row.id);
}

/** Unresolved holds past their expiry, oldest first, at most `limit`. */
export async function duePendingIds(tx: Executor, nowMs: number, limit: number): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`SELECT t.id FROM transfers t
         WHERE t.kind = 'pending' AND t.expires_at_ms <= ${nowMs}
           AND NOT EXISTS (SELECT 1 FROM transfers r WHERE r.pending_id = t.id)
         ORDER BY t.expires_at_ms LIMIT ${limit}`,
  );
  return rows.map((row) => row.id);
}

// ---- internals ----

interface TransferRow {
  readonly id: string;
  readonly kind: TransferKind;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly pendingId: string | null;
  readonly expiresAtMs: number | null;
  readonly code: string;
  readonly reference?: string;
  readonly nowMs: number;
}

async function insertTransfer(tx: Executor, row: TransferRow): Promise<TransferResult> {
  if (!Number.isSafeInteger(row.amountMinor) || row.amountMinor <= 0) {
    throw new ApiError("validation_failed", `amountMinor must be a positive whole number, got ${row.amountMinor}`);
  }
  if (!isCurrencyCode(row.currency)) throw new ApiError("validation_failed", `unsupported currency ${row.currency}`);
  if (row.debitAccountId === row.creditAccountId) throw new ApiError("validation_failed", "a transfer needs two different accounts");

  const existing = await findTransfer(tx, row.id);
  if (existing !== undefined) return { status: "exists", transfer: sameOrConflict(existing, row) };

  const locked = await lockAccounts(tx, [row.debitAccountId, row.creditAccountId]);
  const debit = locked.get(row.debitAccountId);
  const credit = locked.get(row.creditAccountId);
  if (debit === undefined || credit === undefined) throw new ApiError("account_not_found", "the debit or credit account does not exist");
  if (debit.currency !== row.currency || credit.currency !== row.currency) {
    throw new ApiError("currency_mismatch", `accounts in ${debit.currency} and ${credit.currency}, transfer in ${row.currency}`);
  }
  const pending = row.kind === "pending";
  if (debit.debitsMustNotExceedCredits && debit.debitsPostedMinor + debit.debitsPendingMinor + row.amountMinor > debit.creditsPostedMinor) {
    const available = debit.creditsPostedMinor - debit.debitsPostedMinor - debit.debitsPendingMinor;
    throw new ApiError("insufficient_funds", `${row.amountMinor} needed, ${available} available`, { availableMinor: available });
  }

  const inserted = await tx
    .insert(transfers)
    .values({
      id: row.id,
      kind: row.kind,
      debitAccountId: row.debitAccountId,
      creditAccountId: row.creditAccountId,
      amountMinor: row.amountMinor,
      currency: row.currency,
      pendingId: row.pendingId,
      expiresAtMs: row.expiresAtMs,
      code: row.code,
      reference: row.reference ?? null,
      createdAtMs: row.nowMs,
    })
    .onConflictDoNothing({ target: transfers.id })
    .returning();
  const transfer = inserted[0];
  if (transfer === undefined) {
    // Inserted by a concurrent transaction between our check and our insert.
    return { status: "exists", transfer: sameOrConflict((await findTransfer(tx, row.id))!, row) };
  }
  await applyTotals(tx, row.debitAccountId, pending ? { debitsPending: row.amountMinor } : { debitsPosted: row.amountMinor });
  await applyTotals(tx, row.creditAccountId, pending ? { creditsPending: row.amountMinor } : { creditsPosted: row.amountMinor });
  return { status: "created", transfer };
}

async function resolvePending(
  tx: Executor,
  input: Resolution & { readonly amountMinor?: number },
  kind: "post" | "void" | "expire",
): Promise<TransferResult> {
  const existing = await findTransfer(tx, input.id);
  const pending = await findTransfer(tx, input.pendingId);
  if (pending === undefined || pending.kind !== "pending")
    throw new ApiError("pending_not_found", `no pending transfer ${input.pendingId}`);
  const amountMinor = kind === "post" ? (input.amountMinor ?? pending.amountMinor) : pending.amountMinor;
  const row: TransferRow = {
    id: input.id,
    kind,
    debitAccountId: pending.debitAccountId,
    creditAccountId: pending.creditAccountId,
    amountMinor,
    currency: pending.currency,
    pendingId: pending.id,
    expiresAtMs: null,
    code: input.code,
    // A resolution names what its hold was for (a registration, …) unless told otherwise.
    ...((input.reference ?? pending.reference) === null ? {} : { reference: input.reference ?? pending.reference! }),
    nowMs: input.nowMs,
  };
  if (existing !== undefined) return { status: "exists", transfer: sameOrConflict(existing, row) };
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0)
    throw new ApiError("validation_failed", "amountMinor must be a positive whole number");
  if (amountMinor > pending.amountMinor)
    throw new ApiError("post_exceeds_pending", `${amountMinor} is more than the ${pending.amountMinor} held`);

  await lockAccounts(tx, [pending.debitAccountId, pending.creditAccountId]);
  const [resolvedBy] = await tx.select({ id: transfers.id }).from(transfers).where(eq(transfers.pendingId, pending.id));
  if (resolvedBy !== undefined) throw new ApiError("pending_already_resolved", `hold ${pending.id} was resolved by ${resolvedBy.id}`);
  const expired = pending.expiresAtMs !== null && input.nowMs >= pending.expiresAtMs;
  if (kind === "expire" && !expired) throw new ApiError("validation_failed", "the hold has not expired yet");
  if (kind === "post" && expired) throw new ApiError("pending_expired", `hold ${pending.id} expired`);

  // The unique index on pending_id makes a concurrent second resolution fail here, whatever raced.
  const [transfer] = await tx
    .insert(transfers)
    .values({
      id: row.id,
      kind,
      debitAccountId: row.debitAccountId,
      creditAccountId: row.creditAccountId,
      amountMinor,
      currency: row.currency,
      pendingId: pending.id,
      code: row.code,
      reference: row.reference ?? null,
      createdAtMs: row.nowMs,
    })
    .returning();
  const posted = kind === "post" ? amountMinor : 0;
  await applyTotals(tx, pending.debitAccountId, { debitsPending: -pending.amountMinor, debitsPosted: posted });
  await applyTotals(tx, pending.creditAccountId, { creditsPending: -pending.amountMinor, creditsPosted: posted });
  return { status: "created", transfer: transfer! };
}

async function findTransfer(tx: Executor, id: string): Promise<Transfer | undefined> {
  const [transfer] = await tx.select().from(transfers).where(eq(transfers.id, id));
  return transfer;
}

/** A repeated id is fine when it means the same transfer; anything else is a client bug. */
function sameOrConflict(existing: Transfer, row: TransferRow): Transfer {
  const same =
    existing.kind === row.kind &&
    existing.debitAccountId === row.debitAccountId &&
    existing.creditAccountId === row.creditAccountId &&
    existing.amountMinor === row.amountMinor &&
    existing.currency === row.currency &&
    existing.pendingId === row.pendingId &&
    existing.code === row.code &&
    (existing.reference ?? undefined) === row.reference;
  if (!same) throw new ApiError("exists_with_different_fields", `transfer ${row.id} exists with different fields`);
  return existing;
}

/**
 * Row locks in id order, NO KEY UPDATE so foreign-key checks of inserts do not wait. Every
 * transaction takes all the account locks it needs in one call, after any registration locks:
 * one global order (the passenger, then the flight, then the active issuer key, then
 * registrations by id, then accounts by id; a transaction takes the ones it needs, in that order),
 * so concurrent ones queue instead of deadlocking.
 */
export async function lockAccounts(tx: Executor, ids: readonly string[]): Promise<Map<string, Account>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select()
    .from(accounts)
    .where(inArray(accounts.id, [...ids]))
    .orderBy(accounts.id)
    .for("no key update");
  return new Map(rows.map((row) => [row.id, row]));
}

interface TotalsDelta {
  readonly debitsPosted?: number;
  readonly creditsPosted?: number;
  readonly debitsPending?: number;
  readonly creditsPending?: number;
}

async function applyTotals(tx: Executor, accountId: string, delta: TotalsDelta): Promise<void> {
  await tx
    .update(accounts)
    .set({
      debitsPostedMinor: sql`${accounts.debitsPostedMinor} + ${delta.debitsPosted ?? 0}`,
      creditsPostedMinor: sql`${accounts.creditsPostedMinor} + ${delta.creditsPosted ?? 0}`,
      debitsPendingMinor: sql`${accounts.debitsPendingMinor} + ${delta.debitsPending ?? 0}`,
      creditsPendingMinor: sql`${accounts.creditsPendingMinor} + ${delta.creditsPending ?? 0}`,
    })
    .where(eq(accounts.id, accountId));
}

async function ensureAccount(
  tx: Executor,
  input: { kind: AccountKind; currency: string; ownerId: string | null; debitsMustNotExceedCredits: boolean; nowMs: number },
): Promise<Account> {
  if (!isCurrencyCode(input.currency)) throw new ApiError("validation_failed", `unsupported currency ${input.currency}`);
  const where = and(
    eq(accounts.kind, input.kind),
    eq(accounts.currency, input.currency),
    input.ownerId === null ? sql`${accounts.ownerId} IS NULL` : eq(accounts.ownerId, input.ownerId),
  );
  const [found] = await tx.select().from(accounts).where(where);
  if (found !== undefined) return found;
  await tx
    .insert(accounts)
    .values({
      id: newId(),
      kind: input.kind,
      currency: input.currency,
      ownerId: input.ownerId,
      debitsMustNotExceedCredits: input.debitsMustNotExceedCredits,
      createdAtMs: input.nowMs,
    })
    .onConflictDoNothing();
  const [account] = await tx.select().from(accounts).where(where);
  return account!;
}

export interface BatchTransfer {
  readonly id: string;
  readonly kind: "single" | "pending" | "post" | "void";
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** For post and void: the hold resolved. */
  readonly pendingId?: string;
  readonly expiresAtMs?: number;
  readonly code: string;
  readonly reference: string;
}

/**
 * Applies many transfers at once, in the spirit of TigerBeetle's batched create_transfers: one
 * insert for the transfers, one update of each touched account's totals (net of the batch).
 * Same invariants as the single operations: positive amounts, matching currencies, existing
 * accounts, a hold resolved at most once (unique index) and no more than it holds, no overdraw
 * (the CHECK constraint on the final totals). The caller holds the account locks; the batch is
 * one statement pair inside the caller's transaction, all or nothing.
 */
export async function applyTransfers(tx: Executor, batch: readonly BatchTransfer[], nowMs: number): Promise<void> {
  if (batch.length === 0) return;
  const pendingIds = [...new Set(batch.flatMap((t) => (t.pendingId === undefined ? [] : [t.pendingId])))];
  const holds = pendingIds.length === 0 ? [] : await tx.select().from(transfers).where(inArray(transfers.id, pendingIds));
  const holdById = new Map(holds.map((h) => [h.id, h]));
  const accountIds = [...new Set(batch.flatMap((t) => [t.debitAccountId, t.creditAccountId]))];
  const known = new Map(
    (await tx.select({ id: accounts.id, currency: accounts.currency }).from(accounts).where(inArray(accounts.id, accountIds))).map((a) => [
      a.id,
      a.currency,
    ]),
  );
  const deltas = new Map<string, { dp: number; cp: number; dq: number; cq: number }>();
  const delta = (id: string) => {
    const found = deltas.get(id);
    if (found !== undefined) return found;
    const fresh = { dp: 0, cp: 0, dq: 0, cq: 0 };
    deltas.set(id, fresh);
    return fresh;
  };
  for (const t of batch) {
    if (!Number.isSafeInteger(t.amountMinor) || t.amountMinor <= 0)
      throw new ApiError("validation_failed", `transfer ${t.id}: amount ${t.amountMinor}`);
    if (known.get(t.debitAccountId) !== t.currency || known.get(t.creditAccountId) !== t.currency)
      throw new ApiError("currency_mismatch", `transfer ${t.id}: accounts and currency disagree`);
    const debit = delta(t.debitAccountId);
    const credit = delta(t.creditAccountId);
    if (t.kind === "single") {
      debit.dp += t.amountMinor;
      credit.cp += t.amountMinor;
    } else if (t.kind === "pending") {
      debit.dq += t.amountMinor;
      credit.cq += t.amountMinor;
    } else {
      const hold = holdById.get(t.pendingId ?? "");
      if (hold === undefined || hold.kind !== "pending")
        throw new ApiError("pending_not_found", `transfer ${t.id}: no hold ${t.pendingId}`);
      if (t.kind === "post" && t.amountMinor > hold.amountMinor)
        throw new ApiError("post_exceeds_pending", `transfer ${t.id}: more than held`);
      debit.dq -= hold.amountMinor;
      credit.cq -= hold.amountMinor;
      if (t.kind === "post") {
        debit.dp += t.amountMinor;
        credit.cp += t.amountMinor;
      }
    }
  }
  // The unique index on pending_id refuses a second resolution here, whatever raced.
  await tx.execute(sql`
    INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, amount_minor, currency, pending_id, expires_at_ms, code, reference, created_at_ms)
    SELECT id, kind, debit_account_id, credit_account_id, amount_minor, currency, pending_id, expires_at_ms, code, reference, ${nowMs}::bigint
      FROM unnest(${sql.param(batch.map((t) => t.id))}::uuid[], ${sql.param(batch.map((t) => t.kind))}::text[],
                  ${sql.param(batch.map((t) => t.debitAccountId))}::uuid[], ${sql.param(batch.map((t) => t.creditAccountId))}::uuid[],
                  ${sql.param(batch.map((t) => t.amountMinor))}::bigint[], ${sql.param(batch.map((t) => t.currency))}::text[],
                  ${sql.param(batch.map((t) => t.pendingId ?? null))}::uuid[], ${sql.param(batch.map((t) => t.expiresAtMs ?? null))}::bigint[],
                  ${sql.param(batch.map((t) => t.code))}::text[], ${sql.param(batch.map((t) => t.reference))}::text[])
        AS t(id, kind, debit_account_id, credit_account_id, amount_minor, currency, pending_id, expires_at_ms, code, reference)`);
  const ids = [...deltas.keys()];
  const d = ids.map((id) => deltas.get(id)!);
  await tx.execute(sql`
    UPDATE accounts a SET debits_posted_minor = a.debits_posted_minor + t.dp, credits_posted_minor = a.credits_posted_minor + t.cp,
                          debits_pending_minor = a.debits_pending_minor + t.dq, credits_pending_minor = a.credits_pending_minor + t.cq
      FROM unnest(${sql.param(ids)}::uuid[], ${sql.param(d.map((x) => x.dp))}::bigint[], ${sql.param(d.map((x) => x.cp))}::bigint[],
                  ${sql.param(d.map((x) => x.dq))}::bigint[], ${sql.param(d.map((x) => x.cq))}::bigint[]) AS t(id, dp, cp, dq, cq)
     WHERE a.id = t.id`);
}
