/**
 * Reconciliation for finance (per flight, per currency) and statements for passengers, computed
 * from the records as received, their settlements and the ledger.
 */
import { type CurrencyCode, describeRate, type ExchangeRate, rateFor, toHex } from "@cabinpay/shared";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { catalogItems, crewMembers } from "../db/schema/flights.js";
import { transfers } from "../db/schema/ledger.js";
import { registrations } from "../db/schema/registrations.js";
import { terminals } from "../db/schema/terminals.js";
import { rejectedBatches, saleRecords, settlements, terminalChains } from "../db/schema/uploads.js";
import { flightSummaries } from "./flight-status.js";
import { getFlight } from "./flights.js";
import { handoversOf } from "./handovers.js";
import { legStock } from "./leg-stock.js";
import { ratesOf } from "./rates.js";
import { receiptReportsOf } from "./receipt-reports.js";
import { legOf, stockSourceOf } from "./rotations.js";

type Row = { record: typeof saleRecords.$inferSelect; settlement: typeof settlements.$inferSelect | null };

const sum = (rows: readonly Row[], pick: (row: Row) => number) => rows.reduce((total, row) => total + pick(row), 0);
const amount = (rows: readonly Row[]) => ({ count: rows.length, amountMinor: sum(rows, (r) => r.record.totalMinor) });

/**
 * Whether a record is in the flight's sales: the ground took it, at ingest, or refused it and
 * finance then collected it from the passenger's balance (its settlement left `rejected`). The
 * flights list (`flight-status.ts`) applies the same rule in SQL: settlement status ≠ rejected.
 */
function countsAsSale(row: Row): boolean {
  return row.settlement === null ? row.record.status === "accepted" : row.settlement.status !== "rejected";
}

export async function reconcileFlight(db: Database, flightId: string) {
  const flight = await getFlight(db, flightId);
  const rows = await recordsOf(db, flightId);
  const sales = rows.filter((r) => r.record.kind === "sale");
  const reversals = rows.filter((r) => r.record.kind === "void" || r.record.kind === "refund");
  const accepted = sales.filter(countsAsSale);
  const acceptedReversals = reversals.filter(countsAsSale);
  const currencies = [...new Set([flight.currency, ...rows.map((r) => r.record.currency)])].sort();
  const regs = await db.select().from(registrations).where(eq(registrations.flightId, flightId));
  const releases = await releasesOf(db, regs);
  const evidence = await evidenceOf(db, flightId);
  const categoryOf = await categoriesOf(db, flightId);
  const receiptReports = await receiptReportsOf(db, { flightId, openOnly: false });

  // Sold in the flight's currency; debited in each registration's (its account's): a CNY voucher
  // on a HKD leg counts as sold in HKD and debited in CNY, at the flight's rate.
  const accountCurrency = new Map(regs.map((r) => [r.id, r.currency]));
  // A reversal gives back to the registration its sale was collected from.
  const collectedFrom = new Map(sales.map((r) => [r.record.id, r.settlement?.registrationId ?? null]));
  const debitedIn = (row: Row) =>
    accountCurrency.get(row.settlement?.registrationId ?? collectedFrom.get(row.record.referencedRecordId ?? "") ?? "") ??
    row.record.currency;
  const figures: Figures = { accepted, acceptedReversals, sales, reversals, regs, releases, categoryOf, debitedIn, receiptReports };
  const perCurrency = [...new Set([...currencies, ...regs.map((r) => r.currency)])]
    .sort()
    .map((currency) => currencyFigures(currency, figures));

  const byTerminal = await terminalFigures(db, flightId, { rows, accepted, acceptedReversals });
  const byCrew = await crewFigures(db, flightId, { rows, accepted, acceptedReversals });

  // Loaded by ops, or carried over from the rotation's leg before.
  const names = await catalogNames(db, flightId);
  const stock = (await legStock(db, flightId)).map((line) => ({
    ...line,
    nameEn: names.get(line.sku)?.nameEn ?? line.sku,
    nameZh: names.get(line.sku)?.nameZh ?? line.sku,
  }));
  const leg = await legOf(db, flightId);

  const [summary] = await flightSummaries(db, { flightId });
  return {
    flightId,
    status: summary!.status,
    attention: summary!.attention,
    landedAtMs: flight.landedAtMs,
    closedAtMs: flight.closedAtMs,
    currencies: perCurrency,
    terminals: byTerminal,
    crew: byCrew,
    stock,
    handovers: await handoversOf(db, flightId),
    rates: (await ratesOf(db, flightId)).map((rate) => ({ ...rate, text: describeRate(flight.currency as CurrencyCode, rate) })),
    rotation:
      leg === undefined
        ? null
        : {
            rotationId: leg.rotationId,
            legNumber: leg.legNumber,
            legCount: leg.legCount,
            stockCarried: (await stockSourceOf(db, flightId)).carried,
          },
    rejectedBatches: evidence,
    receiptReports,
    records: rows,
  };
}

/** The flight's records as received, each with its settlement, in chain order. */
function recordsOf(db: Database, flightId: string): Promise<Row[]> {
  return db
    .select({ record: saleRecords, settlement: settlements })
    .from(saleRecords)
    .leftJoin(settlements, eq(settlements.recordId, saleRecords.id))
    .where(eq(saleRecords.flightId, flightId))
    .orderBy(saleRecords.terminalId, saleRecords.sequence);
}

interface Figures {
  readonly accepted: readonly Row[];
  readonly acceptedReversals: readonly Row[];
  readonly sales: readonly Row[];
  readonly reversals: readonly Row[];
  readonly regs: readonly (typeof registrations.$inferSelect)[];
  readonly releases: readonly (typeof transfers.$inferSelect)[];
  readonly categoryOf: ReadonlyMap<string, string>;
  /** The currency a record was debited or given back in: its registration's. */
  readonly debitedIn: (row: Row) => string;
  readonly receiptReports: Awaited<ReturnType<typeof receiptReportsOf>>;
}

/**
 * One currency's figures: sold in it, debited in it, held in it. The one definition of net sales
 * (sales approved on board, less voids, less refunds, as the terminals' end-of-service reports
 * count it): every breakdown (category, hour, terminal, crew) adds up to it.
 */
function currencyFigures(currency: string, f: Figures) {
  const { accepted, acceptedReversals, sales, reversals, regs, releases, debitedIn } = f;
  const inCurrency = (list: readonly Row[]) => list.filter((r) => r.record.currency === currency);
  const ok = inCurrency(accepted);
  const reversed = inCurrency(acceptedReversals);
  const collected = accepted.filter((r) => debitedIn(r) === currency);
  const status = (s: string) => ok.filter((r) => r.settlement?.status === s);
  return {
    currency,
    ...breakdowns(ok, reversed, f.categoryOf),
    approved: amount(ok),
    voids: amount(reversed.filter((r) => r.record.kind === "void")),
    refunds: amount(reversed.filter((r) => r.record.kind === "refund")),
    byReason: byReason(reversed),
    netMinor: amount(ok).amountMinor - amount(reversed).amountMinor,
    debited: {
      fromHoldMinor: sum(collected, (r) => r.settlement?.fromHoldMinor ?? 0),
      fromBalanceMinor: sum(collected, (r) => r.settlement?.fromBalanceMinor ?? 0),
      totalMinor: sum(collected, (r) => (r.settlement?.fromHoldMinor ?? 0) + (r.settlement?.fromBalanceMinor ?? 0)),
    },
    shortfall: {
      count: collected.filter((r) => (r.settlement?.shortfallMinor ?? 0) > 0).length,
      amountMinor: sum(collected, (r) => r.settlement?.shortfallMinor ?? 0),
      collectedElsewhereMinor: sum(collected, (r) => r.settlement?.collectedElsewhereMinor ?? 0),
    },
    failed: amount(status("failed")),
    pending: amount(status("pending")),
    rejected: amount(inCurrency(sales.filter((r) => !countsAsSale(r)))),
    /** Refused at ingest, then collected from the passenger's balance by finance: in the sales above. */
    collectedAfterRefusal: amount(ok.filter((r) => r.record.status === "rejected")),
    receiptedNotReceived: receiptedNotReceived(f.receiptReports, currency),
    voided: {
      ...amount(inCurrency(acceptedReversals)),
      reversedMinor: sum(
        reversals.filter((r) => debitedIn(r) === currency),
        (r) => r.settlement?.reversedMinor ?? 0,
      ),
    },
    holds: {
      placed: {
        count: regs.filter((r) => r.currency === currency).length,
        amountMinor: regs.filter((r) => r.currency === currency).reduce((t, r) => t + r.capMinor, 0),
      },
      releasedMinor: releases.filter((t) => t.currency === currency).reduce((total, t) => total + t.amountMinor, 0),
      cancelled: regs.filter((r) => r.currency === currency && r.status === "cancelled").length,
    },
  };
}

/**
 * The voids and refunds by the reason the purser signed (null: a record from before reasons were
 * kept): they add up to voids + refunds. Most frequent first.
 */
function byReason(reversed: readonly Row[]) {
  const reasons = [...new Set(reversed.map((r) => r.record.reason))];
  return reasons
    .map((reason) => ({ reason, ...amount(reversed.filter((r) => r.record.reason === reason)) }))
    .sort((a, b) => b.count - a.count || b.amountMinor - a.amountMinor);
}

/** Net sales by catalog category and by hour (UTC): a sale counts in its hour, a void or refund in its own. */
function breakdowns(ok: readonly Row[], reversed: readonly Row[], categoryOf: ReadonlyMap<string, string>) {
  const byCategory = new Map<string, number>();
  const byHour = new Map<string, { count: number; amountMinor: number }>();
  for (const { record } of [...ok, ...reversed]) {
    const sign = record.kind === "sale" ? 1 : -1;
    for (const line of record.lines) {
      const category = categoryOf.get(line.sku) ?? "other";
      byCategory.set(category, (byCategory.get(category) ?? 0) + sign * line.quantity * line.unitPriceMinor);
    }
    const hour = `${new Date(record.createdAtMs).toISOString().slice(0, 13)}:00Z`;
    const sofar = byHour.get(hour) ?? { count: 0, amountMinor: 0 };
    byHour.set(hour, { count: sofar.count + (sign > 0 ? 1 : 0), amountMinor: sofar.amountMinor + sign * record.totalMinor });
  }
  return {
    byCategory: [...byCategory].map(([category, amountMinor]) => ({ category, amountMinor })).sort((a, b) => b.amountMinor - a.amountMinor),
    /** Sales counted in each hour, and the net amount of that hour. */
    byHour: [...byHour].map(([hour, totals]) => ({ hour, ...totals })).sort((a, b) => (a.hour < b.hour ? -1 : 1)),
  };
}

/** Each terminal's records, sales and voids, and where its chain stands. */
async function terminalFigures(
  db: Database,
  flightId: string,
  input: { rows: readonly Row[]; accepted: readonly Row[]; acceptedReversals: readonly Row[] },
) {
  const chains = await db.select().from(terminalChains).where(eq(terminalChains.flightId, flightId));
  const names = new Map((await db.select({ id: terminals.id, name: terminals.name }).from(terminals)).map((t) => [t.id, t.name]));
  return [...new Set(input.rows.map((r) => r.record.terminalId))].map((terminalId) => {
    const mine = input.rows.filter((r) => r.record.terminalId === terminalId);
    const chain = chains.find((c) => c.terminalId === terminalId);
    const saleAmount = amount(input.accepted.filter((r) => r.record.terminalId === terminalId));
    const reversed = amount(input.acceptedReversals.filter((r) => r.record.terminalId === terminalId));
    return {
      terminalId,
      name: names.get(terminalId) ?? "",
      records: mine.length,
      sales: saleAmount,
      voids: reversed,
      /** Sales less voids and refunds: the terminal's own end-of-service figure. */
      netMinor: saleAmount.amountMinor - reversed.amountMinor,
      serviceClosed: (chain?.closedAtMs ?? null) !== null,
      lastUploadAtMs: chain?.lastUploadAtMs ?? null,
    };
  });
}

/** What was released of the registrations' holds: voided or expired. */
async function releasesOf(db: Database, regs: readonly { id: string }[]) {
  if (regs.length === 0) return [];
  return db
    .select()
    .from(transfers)
    .where(
      and(
        inArray(
          transfers.reference,
          regs.map((r) => r.id),
        ),
        sql`${transfers.kind} IN ('void', 'expire')`,
      ),
    );
}

/** The flight's batches refused whole, kept as evidence. */
async function evidenceOf(db: Database, flightId: string) {
  return db
    .select({
      id: rejectedBatches.id,
      terminalId: rejectedBatches.terminalId,
      reason: rejectedBatches.reason,
      detail: rejectedBatches.detail,
      receivedAtMs: rejectedBatches.receivedAtMs,
    })
    .from(rejectedBatches)
    .where(eq(rejectedBatches.flightId, flightId))
    .orderBy(rejectedBatches.receivedAtMs);
}

async function categoriesOf(db: Database, flightId: string): Promise<Map<string, string>> {
  const items = await db
    .select({ sku: catalogItems.sku, category: catalogItems.category })
    .from(catalogItems)
    .where(eq(catalogItems.flightId, flightId));
  return new Map(items.map((item) => [item.sku, item.category]));
}

export type FlightReconciliation = Awaited<ReturnType<typeof reconcileFlight>>;

/** One line per record, for finance's spreadsheets. */
export function reconciliationCsv(report: FlightReconciliation, catalog: ReadonlyMap<string, { nameEn: string }>): string {
  const header =
    "terminal_id,sequence,record_id,kind,crew_id,trolley_id,created_at,items,currency,total_minor,record_status,settlement_status,from_hold_minor,from_balance_minor,shortfall_minor,reversed_minor,reason,reversal_reason";
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const lines = report.records.map(({ record, settlement }) =>
    [
      record.terminalId,
      record.sequence,
      record.id,
      record.kind,
      record.crewId,
      record.trolleyId,
      new Date(record.createdAtMs).toISOString(),
      record.lines.map((l) => `${l.quantity}x ${catalog.get(l.sku)?.nameEn ?? l.sku}`).join("; "),
      record.currency,
      record.totalMinor,
      record.status,
      settlement?.status ?? "",
      settlement?.fromHoldMinor ?? 0,
      settlement?.fromBalanceMinor ?? 0,
      settlement?.shortfallMinor ?? 0,
      settlement?.reversedMinor ?? 0,
      settlement?.reason ?? record.rejectReason ?? "",
      record.reason ?? "",
    ]
      .map((v) => quote(String(v)))
      .join(","),
  );
  return `${[header, ...lines].join("\n")}\n`;
}

/** Sales and voids per crew member, named as on the roster (a person reads names, not crew ids). */
async function crewFigures(db: Database, flightId: string, part: { rows: Row[]; accepted: Row[]; acceptedReversals: Row[] }) {
  const { rows, accepted, acceptedReversals } = part;
  const crewNames = new Map(
    (
      await db.select({ crewId: crewMembers.crewId, name: crewMembers.name }).from(crewMembers).where(eq(crewMembers.flightId, flightId))
    ).map((c) => [c.crewId, c.name]),
  );
  return [...new Set(rows.filter((r) => r.record.kind !== "close").map((r) => r.record.crewId))].sort().map((crewId) => ({
    crewId,
    // The roster's name, for people; a record by someone no longer on the roster keeps its id.
    name: crewNames.get(crewId) ?? null,
    sales: amount(accepted.filter((r) => r.record.crewId === crewId)),
    voids: amount(acceptedReversals.filter((r) => r.record.crewId === crewId)),
    /** Sales less the voids and refunds this crew member made. */
    netMinor:
      amount(accepted.filter((r) => r.record.crewId === crewId)).amountMinor -
      amount(acceptedReversals.filter((r) => r.record.crewId === crewId)).amountMinor,
  }));
}

/**
 * Records passengers hold a terminal's receipt for that the ground lacks or holds different (open
 * or closed by finance): sales the airline may never have collected, voids and refunds it may never
 * have given back. Not in the figures above, which count only what the ground received.
 */
function receiptedNotReceived(reports: Figures["receiptReports"], currency: string) {
  const unmatched = reports.filter((r) => r.match !== "received" && r.currency === currency);
  const total = (list: typeof unmatched) => ({ count: list.length, amountMinor: list.reduce((n, r) => n + r.totalMinor, 0) });
  return { sales: total(unmatched.filter((r) => r.kind === "sale")), reversals: total(unmatched.filter((r) => r.kind !== "sale")) };
}

/** Each item's names by SKU, in English (the CSV) and Chinese (the passenger's statement). */
export async function catalogNames(db: Database, flightId: string): Promise<Map<string, { nameEn: string; nameZh: string }>> {
  return new Map(
    (
      await db
        .select({ sku: catalogItems.sku, nameEn: catalogItems.nameEn, nameZh: catalogItems.nameZh })
        .from(catalogItems)
        .where(eq(catalogItems.flightId, flightId))
    ).map((c) => [c.sku, { nameEn: c.nameEn, nameZh: c.nameZh }]),
  );
}

/** A passenger's statement: per registration, what was bought, debited, given back and released. */
function rateShown(saleCurrency: string, rate: ExchangeRate | undefined) {
  if (rate === undefined) return null;
  return { rateMicros: rate.rateMicros, source: rate.source, text: describeRate(saleCurrency as CurrencyCode, rate) };
}

export async function statement(db: Database, passengerId: string) {
  const regs = await db
    .select()
    .from(registrations)
    .where(eq(registrations.passengerId, passengerId))
    .orderBy(desc(registrations.createdAtMs))
    .limit(100);
  return Promise.all(
    regs.map(async (registration) => {
      const flight = await getFlight(db, registration.flightId);
      const names = await catalogNames(db, flight.id);
      const rows = await db
        .select({ record: saleRecords, settlement: settlements })
        .from(saleRecords)
        .leftJoin(settlements, eq(settlements.recordId, saleRecords.id))
        .where(and(eq(saleRecords.voucherId, registration.id), eq(saleRecords.flightId, flight.id)))
        .orderBy(saleRecords.createdAtMs);
      const released = await db
        .select()
        .from(transfers)
        .where(and(eq(transfers.reference, registration.id), sql`${transfers.kind} IN ('void', 'expire')`));
      const debitedMinor = sum(
        rows,
        (r) => (r.settlement?.fromHoldMinor ?? 0) + (r.settlement?.fromBalanceMinor ?? 0) - (r.settlement?.reversedMinor ?? 0),
      );
      return {
        registrationId: registration.id,
        flight: {
          carrier: flight.carrier,
          number: flight.number,
          date: flight.flightDate,
          origin: flight.origin,
          destination: flight.destination,
        },
        flightLandedAtMs: flight.landedAtMs,
        currency: registration.currency,
        /** What the items were priced in: the flight's currency. */
        saleCurrency: flight.currency,
        /** The rate the sales were debited at, when the account is in another currency than the flight's. */
        rate: rateShown(flight.currency, rateFor(await ratesOf(db, flight.id), registration.currency)),
        capMinor: registration.capMinor,
        status: registration.status,
        purchases: rows.map(({ record, settlement }) => ({
          // The id on the passenger's receipt: the terminal's, also where the ground keys the record otherwise.
          recordId: record.terminalRecordId ?? record.id,
          recordHash: toHex(record.recordHash),
          kind: record.kind,
          /** Why the purser voided or refunded it (null for a sale, or a record from before reasons). */
          reason: record.reason,
          atMs: record.createdAtMs,
          items: record.lines.map((l) => ({
            sku: l.sku,
            name: names.get(l.sku)?.nameEn ?? l.sku,
            nameZh: names.get(l.sku)?.nameZh ?? l.sku,
            quantity: l.quantity,
            unitPriceMinor: l.unitPriceMinor,
          })),
          totalMinor: record.totalMinor,
          settlement: settlement?.status ?? (record.status === "rejected" ? "rejected" : "pending"),
          debitedMinor: (settlement?.fromHoldMinor ?? 0) + (settlement?.fromBalanceMinor ?? 0),
          refundedMinor: settlement?.reversedMinor ?? 0,
        })),
        debitedMinor,
        holdReleasedMinor: released.reduce((total, t) => total + t.amountMinor, 0),
        releasedAtMs: registration.releasedAtMs ?? registration.cancelledAtMs,
      };
    }),
  );
}
