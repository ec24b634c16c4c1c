/**
 * The retention rule (core process). Records carry the vouchers presented, so passenger names
 * and seats: once the ground has acknowledged every record of a closed service, and that was
 * longer ago than the retention period, they are deleted. Nothing the ground has not acknowledged
 * is ever deleted. The flight row and its close record stay, as the chain's head.
 */
import { and, eq, isNotNull, isNull, lt, max, sql } from "drizzle-orm";
import type { PurgeResult } from "../api/results.js";
import type { TerminalDb } from "./db/open.js";
import { cabinSnapshots, flights, records, takenCodes, voucherUsage } from "./db/schema.js";

/** Long enough for finance to ask crew about a flight, short enough not to keep names for long. */
export const RETENTION_MS_DEFAULT = 7 * 86_400_000;

export function purgeAcknowledged(db: TerminalDb, input: { nowMs: number; retentionMs: number }): PurgeResult {
  if (!Number.isSafeInteger(input.retentionMs) || input.retentionMs < 0) throw new RangeError("retentionMs is a whole number ≥ 0");
  const cutoffMs = input.nowMs - input.retentionMs;
  return db.transaction((tx) => {
    const candidates = tx
      .select({
        flightKey: flights.flightKey,
        unacknowledged: sql<number>`sum(${records.uploadedAtMs} IS NULL)`,
        lastAcknowledgedAtMs: max(records.uploadedAtMs),
        headSequence: max(records.sequence),
      })
      .from(flights)
      .innerJoin(records, eq(records.flightKey, flights.flightKey))
      .where(and(isNotNull(flights.closedAtMs), isNull(flights.purgedAtMs)))
      .groupBy(flights.flightKey)
      .all();
    const purged: string[] = [];
    let deleted = 0;
    for (const flight of candidates) {
      if (flight.unacknowledged > 0 || flight.lastAcknowledgedAtMs === null || flight.lastAcknowledgedAtMs > cutoffMs) continue;
      // Everything but the head: the close record, which names no voucher.
      deleted += tx
        .delete(records)
        .where(and(eq(records.flightKey, flight.flightKey), lt(records.sequence, flight.headSequence!), isNotNull(records.uploadedAtMs)))
        .run().changes;
      tx.delete(voucherUsage).where(eq(voucherUsage.flightKey, flight.flightKey)).run();
      tx.delete(takenCodes).where(eq(takenCodes.flightKey, flight.flightKey)).run();
      tx.delete(cabinSnapshots).where(eq(cabinSnapshots.flightKey, flight.flightKey)).run();
      tx.update(flights).set({ purgedAtMs: input.nowMs }).where(eq(flights.flightKey, flight.flightKey)).run();
      purged.push(flight.flightKey);
    }
    return { flights: purged, records: deleted };
  });
}
