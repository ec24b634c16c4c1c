/**
 * A flight's settlement status and what in it needs a person, defined once (in SQL, so the list's
 * status filter applies before its limit) and used by the flight list and the flight page alike.
 * Needs a person: a settlement parked as failed, a record refused at ingest (a sale with a forged,
 * revoked or mismatched voucher, a void or refund that does not fit its sale), a shortfall not yet
 * collected elsewhere, every batch refused whole (kept as evidence), and every receipt a passenger
 * sent back for a record the ground lacks or holds different (`receipt-reports.ts`), until closed.
 */
import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { receiptReports } from "../db/schema/receipts.js";
import { rejectedBatches, saleRecords, settlements } from "../db/schema/uploads.js";
import { NEEDS_ATTENTION } from "./attention.js";
import { RECEIPT_REPORT_OPEN } from "./receipt-reports.js";

export const FLIGHT_STATUSES = ["open", "landed", "settling", "settled", "needs_attention"] as const;
export type FlightStatus = (typeof FLIGHT_STATUSES)[number];

/** Flights listed at most; the status filter applies before it. */
export const FLIGHT_LIST_MAX = 500;

export interface FlightSummary {
  readonly flight: typeof flights.$inferSelect;
  readonly status: FlightStatus;
  readonly pendingSettlements: number;
  /** Items that need a person: settlements (see NEEDS_ATTENTION), refused batches and open receipt reports. */
  readonly attention: number;
  /** In the flight's currency: sales accepted on board, and what was debited for them. */
  readonly approvedMinor: number;
  readonly debitedMinor: number;
}

export async function flightSummaries(
  db: Database,
  filter: { flightId?: string; date?: string; carrier?: string; status?: FlightStatus },
): Promise<FlightSummary[]> {
  const pending = sql<number>`(count(*) filter (where ${settlements.status} = 'pending'))::int`;
  const refusedBatches = sql<number>`(SELECT count(*) FROM ${rejectedBatches} WHERE ${rejectedBatches.flightId} = ${flights.id})::int`;
  const openReports = sql<number>`(SELECT count(*) FROM ${receiptReports} WHERE ${receiptReports.flightId} = ${flights.id} AND ${RECEIPT_REPORT_OPEN})::int`;
  const attention = sql<number>`((count(*) filter (where ${NEEDS_ATTENTION}))::int + ${refusedBatches} + ${openReports})`;
  const status = sql<FlightStatus>`CASE WHEN ${pending} > 0 THEN 'settling'
                                        WHEN ${attention} > 0 THEN 'needs_attention'
                                        WHEN ${flights.closedAtMs} IS NOT NULL THEN 'settled'
                                        WHEN ${flights.landedAtMs} IS NOT NULL THEN 'landed'
                                        ELSE 'open' END`;
  const where: SQL[] = [
    ...(filter.flightId === undefined ? [] : [eq(flights.id, filter.flightId)]),
    ...(filter.date === undefined ? [] : [eq(flights.flightDate, filter.date)]),
    ...(filter.carrier === undefined ? [] : [eq(flights.carrier, filter.carrier)]),
  ];
  const rows = await db
    .select({
      flight: flights,
      status,
      pending,
      attention: sql<number>`${attention}::int`,
      approvedMinor: sql<string>`coalesce(sum(${saleRecords.totalMinor}) filter (where ${saleRecords.kind} = 'sale' and ${settlements.status} <> 'rejected'), 0)::text`,
      debitedMinor: sql<string>`coalesce(sum(${settlements.fromHoldMinor} + ${settlements.fromBalanceMinor}), 0)::text`,
    })
    .from(flights)
    .leftJoin(settlements, eq(settlements.flightId, flights.id))
    .leftJoin(saleRecords, eq(saleRecords.id, settlements.recordId))
    .where(and(...where))
    .groupBy(flights.id)
    .having(filter.status === undefined ? undefined : sql`${status} = ${filter.status}`)
    .orderBy(desc(flights.departureAtMs))
    .limit(FLIGHT_LIST_MAX);
  return rows.map((row) => ({
    flight: row.flight,
    status: row.status,
    pendingSettlements: row.pending,
    attention: row.attention,
    approvedMinor: Number(row.approvedMinor),
    debitedMinor: Number(row.debitedMinor),
  }));
}
