/**
 * The purser's handover after a leg's close (core process): the trolley's seal numbers at the
 * service's open and close and what is left on it, sent once the ground holds the close record,
 * and not again once it took it. The ground checks it against its own records.
 */

import type { HandoverRequest } from "@cabinpay/shared/wire";
import { and, asc, eq, isNotNull, isNull } from "drizzle-orm";
import type { TerminalDb } from "../db/open.js";
import { flights, stock } from "../db/schema.js";
import type { LoadedFlight } from "../flight/load.js";
import type { GroundClient } from "./client.js";

/** Closed services whose handover the ground has not taken yet, oldest loaded first. */
export function handoversDue(db: TerminalDb): string[] {
  return db
    .select({ flightKey: flights.flightKey })
    .from(flights)
    .where(and(isNotNull(flights.closedAtMs), isNull(flights.handoverSentAtMs), isNull(flights.purgedAtMs)))
    .orderBy(asc(flights.loadedAtMs), asc(flights.legNumber))
    .all()
    .map((row) => row.flightKey);
}

/** Sends the handover if it is due; `groundHoldsClose`: the ground's chain for this flight ends with the close. */
export async function handOver(
  db: TerminalDb,
  flight: LoadedFlight,
  client: GroundClient,
  input: { flightId: string; groundHoldsClose: boolean; nowMs: () => number },
): Promise<void> {
  if (!input.groundHoldsClose || !handoversDue(db).includes(flight.flightKey)) return;
  await client.handover(input.flightId, handoverOf(db, flight));
  db.update(flights).set({ handoverSentAtMs: input.nowMs() }).where(eq(flights.flightKey, flight.flightKey)).run();
}

function handoverOf(db: TerminalDb, flight: LoadedFlight): HandoverRequest {
  const [row] = db
    .select({ sealAtOpen: flights.sealAtOpen, sealAtClose: flights.sealAtClose })
    .from(flights)
    .where(eq(flights.flightKey, flight.flightKey))
    .all();
  const left = db.select({ sku: stock.sku, quantity: stock.quantity }).from(stock).where(eq(stock.flightKey, flight.flightKey)).all();
  return { trolleyId: flight.trolleyId, sealAtOpen: row?.sealAtOpen ?? null, sealAtClose: row?.sealAtClose ?? null, stockLeft: left };
}
