/** Runs the settlement worker in the test process and waits until a flight has nothing pending. */
import { and, eq, sql } from "drizzle-orm";
import pino from "pino";
import { SETTLEMENT_CONCURRENCY_DEFAULT } from "../../src/config.js";
import { queryRows } from "../../src/db/client.js";
import { settlements } from "../../src/db/schema/uploads.js";
import { type Settlement, startSettlement } from "../../src/jobs/settlement.js";
import { accountsOutOfBalance, ledgerTotals } from "../../src/ledger/ledger.js";
import type { TestApp } from "./app.js";

export async function startWorker(t: TestApp, options: { concurrency?: number } = {}): Promise<Settlement> {
  return startSettlement({
    db: t.db,
    redisUrl: t.infra.config.redisUrl,
    prefix: t.infra.config.queuePrefix,
    deploymentId: t.infra.deploymentId,
    now: () => t.clock.nowMs,
    logger: pino({ level: process.env["DEBUG_SETTLE"] === "1" ? "debug" : "silent" }),
    concurrency: options.concurrency ?? SETTLEMENT_CONCURRENCY_DEFAULT,
    lockDurationMs: 5_000,
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function pendingCount(t: TestApp, flightId: string): Promise<number> {
  const [row] = await t.db
    .select({ n: sql<number>`count(*)::int` })
    .from(settlements)
    .where(and(eq(settlements.flightId, flightId), eq(settlements.status, "pending")));
  return row!.n;
}

/** Runs `work` with a settlement worker running, and stops the worker however it ends. */
export async function withWorker<T>(t: TestApp, work: () => Promise<T>): Promise<T> {
  const worker = await startWorker(t);
  try {
    return await work();
  } finally {
    await worker.close();
  }
}

export async function settled(t: TestApp, flightId: string): Promise<void> {
  await waitFor(`settlements of ${flightId}`, async () => ((await pendingCount(t, flightId)) === 0 ? true : undefined));
}

/**
 * The money invariants of the brief, checked against the database:
 * - the ledger balances per currency and every account agrees with its transfers;
 * - no record was debited twice (one collecting transfer of each kind per record at most);
 * - every hold is resolved at most once (the unique index), and each closed flight has none left;
 * - every sale the ground accepted is either settled or parked with a reason — none pending.
 */
export async function assertMoneyInvariants(t: TestApp, expectSettled: boolean): Promise<void> {
  for (const totals of await ledgerTotals(t.db)) {
    if (totals.postedSumMinor !== 0 || totals.pendingSumMinor !== 0) throw new Error(`ledger does not balance: ${JSON.stringify(totals)}`);
  }
  const out = await accountsOutOfBalance(t.db);
  if (out.length > 0) throw new Error(`accounts out of balance: ${out.join(", ")}`);
  const doubled = await queryRows<{ reference: string; code: string; n: number }>(
    t.db,
    sql`SELECT reference, code, count(*)::int AS n FROM transfers WHERE code IN ('sale', 'sale_over_hold', 'void', 'refund') AND kind IN ('single', 'post')
        GROUP BY reference, code, kind HAVING count(*) > 1`,
  );
  if (doubled.length > 0) throw new Error(`records debited more than once: ${JSON.stringify(doubled)}`);
  const openOnClosed = await queryRows<{ id: string }>(
    t.db,
    sql`SELECT r.id FROM registrations r JOIN flights f ON f.id = r.flight_id
         WHERE f.closed_at_ms IS NOT NULL AND r.current_hold_transfer_id IS NOT NULL`,
  );
  if (openOnClosed.length > 0) throw new Error(`holds left on closed flights: ${openOnClosed.map((r) => r.id).join(", ")}`);
  await assertBoundToEvidence(t);
  if (expectSettled) {
    const missing = await queryRows<{ id: string }>(
      t.db,
      sql`SELECT r.id FROM sale_records r LEFT JOIN settlements s ON s.record_id = r.id
           WHERE r.kind <> 'close' AND (s.record_id IS NULL OR s.status = 'pending')`,
    );
    if (missing.length > 0) throw new Error(`records neither settled nor parked: ${missing.length}`);
  }
}

/**
 * Every money movement is bound to its evidence: each sale was collected from the registration its
 * voucher names (on its own flight), and each wallet's debits and credits are exactly what the
 * sales collected from its registrations and what their reversals gave back to them.
 */
export async function assertBoundToEvidence(t: TestApp): Promise<void> {
  const strays = await queryRows<{ id: string }>(
    t.db,
    sql`SELECT s.record_id AS id FROM settlements s JOIN sale_records r ON r.id = s.record_id
         LEFT JOIN registrations g ON g.id = s.registration_id
         WHERE r.kind = 'sale' AND s.status IN ('debited', 'shortfall') AND (g.id IS NULL OR g.id <> r.voucher_id OR g.flight_id <> r.flight_id)`,
  );
  if (strays.length > 0) throw new Error(`sales collected from another registration: ${strays.map((r) => r.id).join(", ")}`);
  // A sale the ground refused moves money only by finance's recorded decision, and only when its passenger had cancelled.
  const undecided = await queryRows<{ id: string }>(
    t.db,
    sql`SELECT r.id FROM sale_records r JOIN settlements s ON s.record_id = r.id
         WHERE r.status = 'rejected' AND s.status <> 'rejected'
           AND (r.reject_reason <> 'voucher_revoked'
                OR NOT EXISTS (SELECT 1 FROM attention_actions a WHERE a.record_id = r.id AND a.action = 'collected_from_balance'))`,
  );
  if (undecided.length > 0) throw new Error(`refused sales collected without a decision: ${undecided.map((r) => r.id).join(", ")}`);
  const evidence = await queryRows<{ wallet: string; collected: string; given_back: string }>(
    t.db,
    sql`SELECT g.wallet_account_id AS wallet,
               coalesce(sum(ss.from_hold_minor + ss.from_balance_minor), 0)::text AS collected,
               coalesce((SELECT sum(rs.reversed_minor) FROM settlements rs JOIN sale_records rr ON rr.id = rs.record_id
                          JOIN settlements s2 ON s2.record_id = rr.referenced_record_id JOIN registrations g2 ON g2.id = s2.registration_id
                         WHERE g2.wallet_account_id = g.wallet_account_id), 0)::text AS given_back
          FROM registrations g LEFT JOIN settlements ss ON ss.registration_id = g.id
         GROUP BY g.wallet_account_id`,
  );
  const ledger = await queryRows<{ wallet: string; debited: string; credited: string }>(
    t.db,
    sql`SELECT a.id AS wallet,
               coalesce((SELECT sum(amount_minor) FROM transfers x WHERE x.debit_account_id = a.id AND x.code IN ('sale', 'sale_over_hold', 'shortfall_collected') AND x.kind IN ('single', 'post')), 0)::text AS debited,
               coalesce((SELECT sum(amount_minor) FROM transfers x WHERE x.credit_account_id = a.id AND x.code IN ('void', 'refund') AND x.kind = 'single'), 0)::text AS credited
          FROM accounts a WHERE a.kind = 'passenger_wallet'`,
  );
  const byWallet = new Map(evidence.map((row) => [row.wallet, row]));
  for (const row of ledger) {
    const want = byWallet.get(row.wallet) ?? { collected: "0", given_back: "0" };
    if (row.debited !== want.collected || row.credited !== want.given_back) {
      throw new Error(
        `wallet ${row.wallet}: debited ${row.debited} for sales that collected ${want.collected}; credited ${row.credited} for reversals of ${want.given_back}`,
      );
    }
  }
}
