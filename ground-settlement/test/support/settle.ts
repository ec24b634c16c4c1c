/** Runs the settlement worker in the test process and waits until a flight has nothing pending. */
import { and, eq, sql } from "drizzle-orm";
import pino from "pino";
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
    now: () => t.clock.nowMs,
    logger: pino({ level: "silent" }),
    concurrency: options.concurrency ?? 2,
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
  if (expectSettled) {
    const missing = await queryRows<{ id: string }>(
      t.db,
      sql`SELECT r.id FROM sale_records r LEFT JOIN settlements s ON s.record_id = r.id
           WHERE r.kind <> 'close' AND (s.record_id IS NULL OR s.status = 'pending')`,
    );
    if (missing.length > 0) throw new Error(`records neither settled nor parked: ${missing.length}`);
  }
}
