/**
 * Finance's attention queue: settlements that need a person. A `failed` settlement (parked with
 * its reason) can be retried: it becomes pending again and goes back to the settlement pipeline.
 * A `shortfall` (a sale the hold and the balance could not cover) can be marked as collected
 * outside CabinPay (cash, card on the ground). A sale refused because its passenger had cancelled
 * can be collected from their balance (`collect-refused.ts`). Any of them, and a sale refused at
 * ingest, can be accepted as a loss with a note (written off): no item is a dead end. Every action is recorded
 * with who did it.
 */
import { newId } from "@cabinpay/shared";
import { and, desc, eq, gt, inArray, isNull, or } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { registrations } from "../db/schema/registrations.js";
import { attentionActions, saleRecords, settlements } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import { collectableOf } from "./collect-refused.js";
import { type Enqueued, enqueueSoon, type SettlementJobs } from "./outbox.js";

/** SQL for "needs a person": the same rule in every query that counts them. */
export const NEEDS_ATTENTION = and(
  or(
    eq(settlements.status, "failed"),
    eq(settlements.status, "rejected"),
    gt(settlements.shortfallMinor, settlements.collectedElsewhereMinor),
  ),
  isNull(settlements.writtenOffAtMs),
)!;

const ITEMS_MAX = 500;

export async function attentionQueue(db: Database, filter: { flightId?: string }) {
  const rows = await db
    .select({
      recordId: settlements.recordId,
      flightId: settlements.flightId,
      carrier: flights.carrier,
      number: flights.number,
      date: flights.flightDate,
      status: settlements.status,
      reason: settlements.reason,
      totalMinor: saleRecords.totalMinor,
      currency: saleRecords.currency,
      shortfallMinor: settlements.shortfallMinor,
      collectedElsewhereMinor: settlements.collectedElsewhereMinor,
      passengerName: registrations.passengerName,
      seat: registrations.seat,
      createdAtMs: saleRecords.createdAtMs,
    })
    .from(settlements)
    .innerJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
    .innerJoin(flights, eq(flights.id, settlements.flightId))
    .leftJoin(registrations, eq(registrations.id, saleRecords.voucherId))
    .where(and(NEEDS_ATTENTION, ...(filter.flightId === undefined ? [] : [eq(settlements.flightId, filter.flightId)])))
    .orderBy(desc(saleRecords.createdAtMs))
    .limit(ITEMS_MAX);
  const actions =
    rows.length === 0
      ? []
      : await db
          .select()
          .from(attentionActions)
          .where(
            inArray(
              attentionActions.recordId,
              rows.map((r) => r.recordId),
            ),
          );
  const collectable = await collectableOf(db, rows);
  return rows.map((row) => ({
    ...row,
    actions: actions
      .filter((a) => a.recordId === row.recordId)
      .map(({ action, actor, note, amountMinor, atMs }) => ({ action, actor, note, amountMinor, atMs })),
    canRetry: row.status === "failed",
    canMarkCollected: row.shortfallMinor > row.collectedElsewhereMinor,
    canCollectFromBalance: collectable.has(row.recordId),
    // Everything in the queue can be accepted as a loss: no item stays there for ever.
    canWriteOff: true,
  }));
}

/** Sends a parked settlement back to the pipeline, and to the queue at once if it answers (else the sweeper will). */
export async function retrySettlement(
  db: Database,
  jobs: SettlementJobs,
  input: { recordId: string; actor: string; nowMs: number },
): Promise<Enqueued> {
  const scope = await db.transaction(async (tx) => {
    const [row] = await tx.select().from(settlements).where(eq(settlements.recordId, input.recordId)).for("update");
    if (row === undefined) throw new ApiError("not_found", `no settlement for record ${input.recordId}`);
    if (row.status !== "failed") throw new ApiError("not_actionable", `only a failed settlement can be retried; this one is ${row.status}`);
    if (row.writtenOffAtMs !== null) throw new ApiError("not_actionable", "this settlement was written off");
    // Enqueued "long ago": the sweeper revives the record's job rather than taking it for new.
    await tx.update(settlements).set({ status: "pending", reason: null, enqueuedAtMs: 0 }).where(eq(settlements.recordId, input.recordId));
    await tx
      .insert(attentionActions)
      .values({ id: newId(), recordId: input.recordId, action: "retry", actor: input.actor, note: row.reason, atMs: input.nowMs });
    return { flightId: row.flightId, terminalId: row.terminalId };
  });
  return enqueueSoon(db, jobs, scope, { serviceClosed: false, nowMs: input.nowMs });
}

export async function markCollectedElsewhere(
  db: Database,
  input: { recordId: string; actor: string; note: string; nowMs: number },
): Promise<{ amountMinor: number }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(settlements).where(eq(settlements.recordId, input.recordId)).for("update");
    if (row === undefined) throw new ApiError("not_found", `no settlement for record ${input.recordId}`);
    const amountMinor = row.shortfallMinor - row.collectedElsewhereMinor;
    if (amountMinor <= 0) throw new ApiError("not_actionable", "this settlement has no shortfall left to collect");
    await tx.update(settlements).set({ collectedElsewhereMinor: row.shortfallMinor }).where(eq(settlements.recordId, input.recordId));
    await recordNoted(tx, "collected_elsewhere", input, amountMinor);
    return { amountMinor };
  });
}

/**
 * Accepts as a loss what an item in the queue did not collect, with finance's note: a refused or
 * failed sale's total, or a shortfall's rest. Moves no money: it records a person's decision, and
 * the item leaves the queue (the reconciliation counts it as written off).
 */
export async function writeOff(
  db: Database,
  input: { recordId: string; actor: string; note: string; nowMs: number },
): Promise<{ amountMinor: number }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ settlement: settlements, totalMinor: saleRecords.totalMinor })
      .from(settlements)
      .innerJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
      .where(eq(settlements.recordId, input.recordId))
      .for("update", { of: settlements });
    if (row === undefined) throw new ApiError("not_found", `no settlement for record ${input.recordId}`);
    const { settlement } = row;
    if (settlement.writtenOffAtMs !== null) throw new ApiError("not_actionable", "this item was already written off");
    const shortMinor = settlement.shortfallMinor - settlement.collectedElsewhereMinor;
    const refused = settlement.status === "failed" || settlement.status === "rejected";
    if (!refused && shortMinor <= 0) throw new ApiError("not_actionable", "this settlement needs nothing: it was collected");
    const amountMinor = refused ? row.totalMinor : shortMinor;
    await tx.update(settlements).set({ writtenOffAtMs: input.nowMs }).where(eq(settlements.recordId, input.recordId));
    await recordNoted(tx, "written_off", input, amountMinor);
    return { amountMinor };
  });
}

/** A person's decision on an item, with their note and the amount it concerned, kept beside the item. */
async function recordNoted(
  tx: Executor,
  action: "collected_elsewhere" | "written_off",
  input: { recordId: string; actor: string; note: string; nowMs: number },
  amountMinor: number,
): Promise<void> {
  await tx
    .insert(attentionActions)
    .values({ id: newId(), recordId: input.recordId, action, actor: input.actor, note: input.note, amountMinor, atMs: input.nowMs });
}
