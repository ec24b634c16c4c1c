/**
 * What each trolley flew with, sold and kept on a flight, from the ground's own records: loaded by
 * ops, or (a leg of a rotation that carries its stock over) what the leg before left. Goods count
 * as gone for every sale a terminal recorded, less its voids and refunds, whether or not the
 * ground settled the money: the items left the trolley either way.
 */
import { eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { trolleyStock } from "../db/schema/flights.js";
import { saleRecords } from "../db/schema/uploads.js";
import { legOf, stockSourceOf, trolleysOf } from "./rotations.js";

export interface StockLine {
  readonly trolleyId: string;
  readonly sku: string;
  /** What the trolley opened the flight with. */
  readonly loaded: number;
  readonly sold: number;
  readonly left: number;
}

interface MovedRecord {
  readonly kind: string;
  readonly trolleyId: string;
  readonly lines: readonly { sku: string; quantity: number }[];
}

/** Net items out of each trolley ("A|DF-CHO-040" → 3): sales less voids and refunds. */
export function itemsOut(records: readonly MovedRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const record of records) {
    if (record.kind === "close") continue;
    const sign = record.kind === "sale" ? 1 : -1;
    for (const line of record.lines) {
      const key = `${record.trolleyId}|${line.sku}`;
      out.set(key, (out.get(key) ?? 0) + sign * line.quantity);
    }
  }
  return out;
}

/** Loaded, sold and left per trolley and item, sorted; a carried leg's loaded is the previous leg's left. */
export async function legStock(db: Executor, flightId: string): Promise<StockLine[]> {
  const source = await stockSourceOf(db, flightId);
  const opened = source.carried ? await carriedIn(db, flightId) : await ownStock(db, flightId);
  const moved = itemsOut(
    await db
      .select({ kind: saleRecords.kind, trolleyId: saleRecords.trolleyId, lines: saleRecords.lines })
      .from(saleRecords)
      .where(eq(saleRecords.flightId, flightId)),
  );
  const keys = [...new Set([...opened.keys(), ...moved.keys()])].sort();
  return keys.map((key) => {
    const [trolleyId, sku] = key.split("|") as [string, string];
    const loaded = opened.get(key) ?? 0;
    const sold = moved.get(key) ?? 0;
    return { trolleyId, sku, loaded, sold, left: loaded - sold };
  });
}

async function ownStock(db: Executor, flightId: string): Promise<Map<string, number>> {
  const rows = await db.select().from(trolleyStock).where(eq(trolleyStock.flightId, flightId));
  return new Map(rows.map((row) => [`${row.trolleyId}|${row.sku}`, row.quantity]));
}

/** What the previous leg left on the trolleys that fly on (at most 7 legs back: a rotation has 8). */
async function carriedIn(db: Executor, flightId: string): Promise<Map<string, number>> {
  const leg = await legOf(db, flightId);
  const previous = leg?.previousFlightIds.at(-1);
  if (previous === undefined) return new Map();
  const trolleys = new Set(await trolleysOf(db, flightId));
  const left = (await legStock(db, previous)).filter((line) => trolleys.has(line.trolleyId));
  return new Map(left.map((line) => [`${line.trolleyId}|${line.sku}`, line.left]));
}

/**
 * The rotation's stock over its legs, in units: what ops loaded (leg 1 and every re-stock), what
 * each leg sold, what went back to catering at a re-stock (a re-stocked trolley opens with what ops
 * loaded), and what was left at the end. loaded = sold + offloaded + left, always.
 */
export async function rotationStock(db: Executor, flightIds: readonly string[]) {
  const legs: { flightId: string; stockCarried: boolean; stock: StockLine[] }[] = [];
  for (const flightId of flightIds) {
    const source = await stockSourceOf(db, flightId);
    legs.push({ flightId, stockCarried: source.carried, stock: await legStock(db, flightId) });
  }
  const units = (lines: readonly StockLine[], pick: (line: StockLine) => number) => lines.reduce((sum, line) => sum + pick(line), 0);
  const totals = { loadedByOps: 0, sold: 0, offloadedAtRestock: 0, leftAtEnd: 0 };
  legs.forEach((leg, index) => {
    totals.sold += units(leg.stock, (line) => line.sold);
    if (!leg.stockCarried) totals.loadedByOps += units(leg.stock, (line) => line.loaded);
    const next = legs[index + 1];
    if (next === undefined) totals.leftAtEnd = units(leg.stock, (line) => line.left);
    else if (!next.stockCarried) totals.offloadedAtRestock += units(leg.stock, (line) => line.left);
  });
  return { legs, totals };
}
