/**
 * The raw database floor of settlement: the very rows a settlement round wrote (its ledger
 * transfers and its settlements' outcomes) written again, with no logic at all: into copies of the
 * two tables (their keys and indexes, no foreign keys), one multi-row INSERT per table per chunk,
 * one transaction per chunk, one after the other. No reads, no locks, no plan, no queue: what the
 * database alone costs to store what settling stores.
 */
import { performance } from "node:perf_hooks";
import type { Database } from "@cabinpay/ground-settlement/internal/db/client";
import { transfers } from "@cabinpay/ground-settlement/internal/db/schema/ledger";
import { settlements } from "@cabinpay/ground-settlement/internal/db/schema/uploads";
import { isNotNull, sql } from "drizzle-orm";

/** The ids a round has not written yet, taken before it starts. */
export async function writtenSoFar(db: Database) {
  return {
    transferIds: new Set((await db.select({ id: transfers.id }).from(transfers)).map((r) => r.id)),
    settledIds: new Set(
      (await db.select({ id: settlements.recordId }).from(settlements).where(isNotNull(settlements.settledAtMs))).map((r) => r.id),
    ),
  };
}

/** Writes again what the round wrote since `before`, in `chunks` chunks; returns the milliseconds it took. */
export async function settlementFloorMs(db: Database, before: Awaited<ReturnType<typeof writtenSoFar>>, chunks: number): Promise<number> {
  const newTransfers = (await db.select().from(transfers)).filter((t) => !before.transferIds.has(t.id));
  const newSettlements = (await db.select().from(settlements).where(isNotNull(settlements.settledAtMs))).filter(
    (s) => !before.settledIds.has(s.recordId),
  );
  if (newSettlements.length === 0) throw new Error("the round settled nothing to compare with");
  await db.execute(sql`CREATE SCHEMA IF NOT EXISTS floor`);
  for (const table of ["transfers", "settlements"]) {
    await db.execute(sql.raw(`DROP TABLE IF EXISTS floor.${table}`));
    await db.execute(sql.raw(`CREATE TABLE floor.${table} (LIKE public.${table} INCLUDING ALL)`));
  }
  const slice = <T>(rows: readonly T[], index: number) =>
    rows.slice(Math.floor((rows.length * index) / chunks), Math.floor((rows.length * (index + 1)) / chunks));
  const start = performance.now();
  for (let index = 0; index < chunks; index++) {
    await db.transaction(async (tx) => {
      // The same table objects, written into the copies: unqualified names resolve in `floor` first.
      await tx.execute(sql`SET LOCAL search_path TO floor, public`);
      const chunkTransfers = slice(newTransfers, index);
      if (chunkTransfers.length > 0) await tx.insert(transfers).values(chunkTransfers);
      await tx.insert(settlements).values(slice(newSettlements, index));
    });
  }
  return performance.now() - start;
}
