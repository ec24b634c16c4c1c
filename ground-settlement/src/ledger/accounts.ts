/**
 * Ledger accounts: found or created on first use, read, locked in the one global order, and their
 * balance worked out from the running totals.
 */
import { isCurrencyCode, newId } from "@cabinpay/shared";
import { and, eq, sql } from "drizzle-orm";
import { anyUuid, type Executor } from "../db/client.js";
import { type AccountKind, accounts } from "../db/schema/ledger.js";
import { LedgerError } from "./errors.js";

export type Account = typeof accounts.$inferSelect;

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
    availableMinor: availableOf(account),
  };
}

/** What an account can still spend: the one rule, used by the balance, the engine and settlement. */
export function availableOf(totals: Pick<Account, "creditsPostedMinor" | "debitsPostedMinor" | "debitsPendingMinor">): number {
  return totals.creditsPostedMinor - totals.debitsPostedMinor - totals.debitsPendingMinor;
}

export async function getAccount(tx: Executor, accountId: string): Promise<Account> {
  const [account] = await tx.select().from(accounts).where(eq(accounts.id, accountId));
  if (account === undefined) throw new LedgerError("account_not_found", `no account ${accountId}`);
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

/**
 * Row locks in id order, NO KEY UPDATE so foreign-key checks of inserts do not wait. Every
 * transaction takes all the account locks it needs in one call, after any registration locks:
 * one global order (the passenger, then the flight, then the active issuer key, then
 * registrations by id, then accounts by id; a transaction takes the ones it needs, in that order),
 * so concurrent ones queue instead of deadlocking. Locking again what the transaction holds is free.
 */
export async function lockAccounts(tx: Executor, ids: readonly string[]): Promise<Map<string, Account>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select()
    .from(accounts)
    .where(anyUuid(accounts.id, [...new Set(ids)]))
    .orderBy(accounts.id)
    .for("no key update");
  return new Map(rows.map((row) => [row.id, row]));
}

async function ensureAccount(
  tx: Executor,
  input: { kind: AccountKind; currency: string; ownerId: string | null; debitsMustNotExceedCredits: boolean; nowMs: number },
): Promise<Account> {
  if (!isCurrencyCode(input.currency)) throw new LedgerError("validation_failed", `unsupported currency ${input.currency}`);
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
