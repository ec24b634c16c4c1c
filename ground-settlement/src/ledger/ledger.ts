/**
 * The ledger's operations. Each runs inside the caller's database transaction (`Executor` from
 * `db.transaction`); a refusal throws a `LedgerError`, so that the whole transaction rolls back
 * and nothing half-done is committed. Every operation here is a batch of one for the one engine
 * (`engine.ts`), so a transfer is checked the same way however it is made.
 */

import type { Executor } from "../db/client.js";
import { airlineAccount, getAccount } from "./accounts.js";
import { applyTransfers, type MoveInput, type ResolveInput, type TransferResult } from "./engine.js";
import { LedgerError } from "./errors.js";

export { type Account, airlineAccount, availableOf, type Balance, balanceOf, getAccount, lockAccounts, walletAccount } from "./accounts.js";
export { accountsOutOfBalance, type CurrencyTotals, duePendingIds, ledgerTotals } from "./audit.js";
export { applyTransfers, TRANSFERS_PER_BATCH_MAX, type Transfer, type TransferInput, type TransferResult } from "./engine.js";
export { LEDGER_ERROR_CODES, LedgerError, type LedgerErrorCode } from "./errors.js";

export type NewTransfer = Omit<MoveInput, "kind" | "expiresAtMs"> & { readonly nowMs: number };
export type Resolution = Omit<ResolveInput, "kind" | "amountMinor"> & { readonly nowMs: number };

async function one(tx: Executor, input: Parameters<typeof applyTransfers>[1][number], nowMs: number): Promise<TransferResult> {
  const [result] = await applyTransfers(tx, [input], nowMs);
  return result!;
}

/** A transfer that moves money at once. */
export function createTransfer(tx: Executor, { nowMs, ...input }: NewTransfer): Promise<TransferResult> {
  return one(tx, { ...input, kind: "single" }, nowMs);
}

/** A hold: reserves the amount on both accounts until it is posted, voided or expired. */
export function createPending(tx: Executor, { nowMs, ...input }: NewTransfer & { readonly expiresAtMs: number }): Promise<TransferResult> {
  return one(tx, { ...input, kind: "pending" }, nowMs);
}

/** Posts a hold in full or in part; what is not posted is released. Resolves the hold for good. */
export function postPending(tx: Executor, { nowMs, ...input }: Resolution & { readonly amountMinor?: number }): Promise<TransferResult> {
  return one(tx, { ...input, kind: "post" }, nowMs);
}

/** Releases a hold entirely. */
export function voidPending(tx: Executor, { nowMs, ...input }: Resolution): Promise<TransferResult> {
  return one(tx, { ...input, kind: "void" }, nowMs);
}

/** Releases a hold whose expiry has passed (the sweeper's job). */
export function expirePending(tx: Executor, { nowMs, ...input }: Resolution): Promise<TransferResult> {
  return one(tx, { ...input, kind: "expire" }, nowMs);
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
  if (wallet.kind !== "passenger_wallet") throw new LedgerError("account_not_found", "only passenger wallets are funded");
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
