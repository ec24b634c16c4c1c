/**
 * Checks of the ledger as a whole, for finance and the maintenance jobs: that it balances, that
 * each account's running totals match its transfers, and which holds are due to expire.
 */
import { sql } from "drizzle-orm";
import { type Executor, queryRows } from "../db/client.js";

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
