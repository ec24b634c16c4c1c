/**
 * What ops have set on a flight, for its page (plain service): the catalog with each trolley's
 * opening stock (what ops loaded, or on a leg that carries stock over, what the leg before left),
 * the crew roster without PIN verifiers, and the terminals holding each trolley.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { catalogItems, crewMembers } from "../db/schema/flights.js";
import { terminalFlights, terminals } from "../db/schema/terminals.js";
import { getFlight } from "./flights.js";
import { legStock } from "./leg-stock.js";

export async function flightSetup(db: Database, flightId: string) {
  await getFlight(db, flightId);
  const items = await db.select().from(catalogItems).where(eq(catalogItems.flightId, flightId)).orderBy(catalogItems.sku);
  const stock = await legStock(db, flightId);
  const crew = await db
    .select({ crewId: crewMembers.crewId, name: crewMembers.name, role: crewMembers.role })
    .from(crewMembers)
    .where(eq(crewMembers.flightId, flightId))
    .orderBy(crewMembers.crewId);
  const holders = await db
    .select({ terminalId: terminals.id, name: terminals.name, trolleyId: terminalFlights.trolleyId })
    .from(terminalFlights)
    .innerJoin(terminals, eq(terminals.id, terminalFlights.terminalId))
    .where(and(eq(terminalFlights.flightId, flightId), isNull(terminalFlights.trolleyReleasedAtMs), isNull(terminals.revokedAtMs)))
    .orderBy(terminalFlights.trolleyId);
  return {
    catalog: items.map((item) => ({
      sku: item.sku,
      nameEn: item.nameEn,
      nameZh: item.nameZh,
      category: item.category,
      priceMinor: item.priceMinor,
      stock: Object.fromEntries(stock.filter((line) => line.sku === item.sku).map((line) => [line.trolleyId, line.loaded])),
    })),
    trolleys: [...new Set(stock.map((line) => line.trolleyId))].sort(),
    crew,
    terminals: holders.map((holder) => ({ ...holder, trolleyId: holder.trolleyId ?? null })),
  };
}
