/**
 * What the terminal sold on a flight, from its own records (core process): the end-of-service
 * report and the sales list the purser voids and refunds from. Voided sales count for nothing;
 * refunds are taken off the sale's category and crew member, so every total here is net.
 */
import { isReversalReason } from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import type { RecordOutcomeItem, SaleLineRow, SaleListItem, ServiceReport } from "../../api/results.js";
import type { TerminalDb } from "../db/open.js";
import { records, stock, voucherUsage } from "../db/schema.js";
import type { LoadedFlight } from "../flight/load.js";

type RecordRow = typeof records.$inferSelect;

/** Every record of the flight's chain with what the ground answered for it. */
export function listRecordOutcomes(db: TerminalDb, flightKey: string): RecordOutcomeItem[] {
  return db
    .select({
      sequence: records.sequence,
      recordId: records.recordId,
      kind: records.kind,
      totalMinor: records.totalMinor,
      uploadOutcome: records.uploadOutcome,
    })
    .from(records)
    .where(eq(records.flightKey, flightKey))
    .orderBy(records.sequence)
    .all();
}

/** A flight's sales with their voids and refunds, in chain order, with the names crew read. */
export function listSales(db: TerminalDb, flight: LoadedFlight): SaleListItem[] {
  const rows = db.select().from(records).where(eq(records.flightKey, flight.flightKey)).orderBy(records.sequence).all();
  const reversals = new Map<string, RecordRow[]>();
  for (const row of rows) {
    if (row.referencedRecordId === null) continue;
    reversals.set(row.referencedRecordId, [...(reversals.get(row.referencedRecordId) ?? []), row]);
  }
  const names = namesOf(db, flight);
  return rows
    .filter((row) => row.kind === "sale")
    .map((sale) => {
      const against = reversals.get(sale.recordId) ?? [];
      const voided = against.some((r) => r.kind === "void");
      const refunds = against.filter((r) => r.kind === "refund");
      const lines = linesOf(sale);
      const refundable: Record<string, number> = {};
      if (!voided) {
        for (const line of lines) refundable[line.sku] = (refundable[line.sku] ?? 0) + line.quantity;
        for (const refund of refunds)
          for (const line of linesOf(refund)) refundable[line.sku] = (refundable[line.sku] ?? 0) - line.quantity;
      }
      const passenger = names.passengers.get(sale.voucherId);
      return {
        recordId: sale.recordId,
        sequence: sale.sequence,
        createdAtMs: sale.createdAtMs,
        crewId: sale.crewId,
        crewName: names.crew.get(sale.crewId) ?? sale.crewId,
        voucherId: sale.voucherId,
        passengerName: passenger?.passengerName ?? undefined,
        seat: passenger?.seat ?? undefined,
        totalMinor: sale.totalMinor,
        lines: lines.map((line) => ({ ...line, ...(names.items.get(line.sku) ?? { nameEn: line.sku, nameZh: line.sku }) })),
        voided,
        refundedMinor: refunds.reduce((sum, r) => sum + r.totalMinor, 0),
        refundable: Object.fromEntries(Object.entries(refundable).filter(([, quantity]) => quantity > 0)),
        reversals: against.map((r) => ({
          kind: r.kind === "void" ? ("void" as const) : ("refund" as const),
          reason: isReversalReason(r.reason) ? r.reason : undefined,
          totalMinor: r.totalMinor,
        })),
      };
    });
}

/** The manifest's crew and item names, and each voucher's passenger as the sale kept them. */
function namesOf(db: TerminalDb, flight: LoadedFlight) {
  const usage = db.select().from(voucherUsage).where(eq(voucherUsage.flightKey, flight.flightKey)).all();
  return {
    crew: new Map(flight.manifest.crew.map((member) => [member.crewId, member.name])),
    items: new Map(flight.manifest.catalog.map((item) => [item.sku, { nameEn: item.nameEn, nameZh: item.nameZh }])),
    passengers: new Map(usage.map((row) => [row.voucherId, row])),
  };
}

export function serviceReport(db: TerminalDb, flight: LoadedFlight): ServiceReport {
  const rows = db.select().from(records).where(eq(records.flightKey, flight.flightKey)).all();
  const categoryOf = new Map(flight.manifest.catalog.map((item) => [item.sku, item.category]));
  const voidedIds = new Set(rows.filter((r) => r.kind === "void").map((r) => r.referencedRecordId));
  const kept = rows.filter((r) => r.kind === "sale" && !voidedIds.has(r.recordId));
  const sellerOf = new Map(kept.map((sale) => [sale.recordId, sale.crewId]));
  const refunds = rows.filter((r) => r.kind === "refund");
  const voids = rows.filter((r) => r.kind === "void");
  const byCategory: Record<string, number> = {};
  const byCrew: Record<string, { count: number; totalMinor: number }> = {};
  const addCategories = (row: RecordRow, sign: 1 | -1) => {
    for (const line of linesOf(row)) {
      const category = categoryOf.get(line.sku) ?? "other";
      byCategory[category] = (byCategory[category] ?? 0) + sign * line.quantity * line.unitPriceMinor;
    }
  };
  for (const sale of kept) {
    addCategories(sale, 1);
    const crew = byCrew[sale.crewId] ?? { count: 0, totalMinor: 0 };
    byCrew[sale.crewId] = { count: crew.count + 1, totalMinor: crew.totalMinor + sale.totalMinor };
  }
  for (const refund of refunds) {
    addCategories(refund, -1);
    const seller = sellerOf.get(refund.referencedRecordId ?? "");
    const crew = seller === undefined ? undefined : byCrew[seller];
    if (seller !== undefined && crew !== undefined) byCrew[seller] = { ...crew, totalMinor: crew.totalMinor - refund.totalMinor };
  }
  const total = (list: readonly RecordRow[]) => list.reduce((sum, r) => sum + r.totalMinor, 0);
  return {
    flightKey: flight.flightKey,
    currency: flight.manifest.currency,
    sales: { count: kept.length, totalMinor: total(kept) },
    voids: { count: voids.length, totalMinor: total(voids) },
    refunds: { count: refunds.length, totalMinor: total(refunds) },
    netMinor: total(kept) - total(refunds),
    byCategory,
    byCrew,
    stockLeft: Object.fromEntries(
      db
        .select()
        .from(stock)
        .where(eq(stock.flightKey, flight.flightKey))
        .all()
        .map((s) => [s.sku, s.quantity]),
    ),
  };
}

export function linesOf(row: Pick<RecordRow, "lines">): SaleLineRow[] {
  return JSON.parse(row.lines) as SaleLineRow[];
}
