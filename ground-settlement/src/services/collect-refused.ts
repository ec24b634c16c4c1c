/**
 * Collecting a refused sale from its passenger's balance, by finance's decision. The ground refused
 * the sale at ingest because the passenger had cancelled the voucher (`voucher_revoked`), yet the
 * voucher was genuine (issuer signature, flight, key and registration all checked) and crew handed
 * the goods over. Finance may then send the sale to the settlement pipeline: it takes what the
 * passenger's balance covers (their hold was released at the cancel) and books the rest as a
 * shortfall, collected later like any other. Only that refusal qualifies: a forged or unknown
 * voucher names nobody whose wallet could be debited, and the signed sale plus the ground's own
 * registration is the evidence that binds the debit to this passenger.
 */
import { newId } from "@cabinpay/shared";
import { and, eq } from "drizzle-orm";
import { anyUuid, type Database } from "../db/client.js";
import { registrations } from "../db/schema/registrations.js";
import { attentionActions, saleRecords, settlements } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import { type Enqueued, enqueueSoon, type SettlementJobs } from "./outbox.js";

/** Refusals where the voucher was genuine and names the passenger: the only ones collectable. */
export const COLLECTABLE_REFUSALS: readonly string[] = ["voucher_revoked"];

export async function collectFromBalance(
  db: Database,
  jobs: SettlementJobs,
  input: { recordId: string; actor: string; note: string; nowMs: number },
): Promise<{ amountMinor: number; queued: Enqueued }> {
  const found = await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ settlement: settlements, record: saleRecords })
      .from(settlements)
      .innerJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
      .where(eq(settlements.recordId, input.recordId))
      .for("update", { of: settlements });
    if (row === undefined) throw new ApiError("not_found", `no settlement for record ${input.recordId}`);
    const { settlement, record } = row;
    if (settlement.status !== "rejected" || record.kind !== "sale" || settlement.writtenOffAtMs !== null)
      throw new ApiError("not_actionable", `only a refused sale still in the queue can be collected; this one is ${settlement.status}`);
    if (!COLLECTABLE_REFUSALS.includes(record.rejectReason ?? ""))
      throw new ApiError("not_actionable", `a sale refused as ${record.rejectReason} names no passenger to collect from`);
    const [reversal] = await tx
      .select({ id: saleRecords.id })
      .from(saleRecords)
      .where(eq(saleRecords.referencedRecordId, record.id))
      .limit(1);
    if (reversal !== undefined) throw new ApiError("not_actionable", "this sale was voided or refunded on board: nothing to collect");
    const [registration] = await tx
      .select({ id: registrations.id })
      .from(registrations)
      .where(and(eq(registrations.id, record.voucherId), eq(registrations.flightId, record.flightId)));
    if (registration === undefined) throw new ApiError("not_actionable", "no registration of this flight for the sale's voucher");
    // Enqueued "long ago": the sweeper takes it at once, as for a retry.
    await tx.update(settlements).set({ status: "pending", reason: null, enqueuedAtMs: 0 }).where(eq(settlements.recordId, record.id));
    await tx.insert(attentionActions).values({
      id: newId(),
      recordId: record.id,
      action: "collected_from_balance",
      actor: input.actor,
      note: input.note,
      amountMinor: record.totalMinor,
      atMs: input.nowMs,
    });
    return { scope: { flightId: settlement.flightId, terminalId: settlement.terminalId }, amountMinor: record.totalMinor };
  });
  const queued = await enqueueSoon(db, jobs, found.scope, { serviceClosed: false, nowMs: input.nowMs });
  return { amountMinor: found.amountMinor, queued };
}

/** Which of these refused sales could be collected: a collectable refusal and no void or refund of it. */
export async function collectableOf(
  db: Database,
  items: readonly { recordId: string; status: string; reason: string | null }[],
): Promise<Set<string>> {
  const candidates = items.filter((i) => i.status === "rejected" && COLLECTABLE_REFUSALS.includes(i.reason ?? ""));
  if (candidates.length === 0) return new Set();
  const reversed = await db
    .select({ saleId: saleRecords.referencedRecordId })
    .from(saleRecords)
    .where(
      anyUuid(
        saleRecords.referencedRecordId,
        candidates.map((c) => c.recordId),
      ),
    );
  const taken = new Set(reversed.map((r) => r.saleId));
  return new Set(candidates.filter((c) => !taken.has(c.recordId)).map((c) => c.recordId));
}
