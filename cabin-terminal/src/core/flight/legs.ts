/**
 * Opening flights in turn (core process). The terminal sells on the flight opened last. A leg of a
 * rotation opens only after the leg before it closed on this terminal; when its manifest carries
 * the stock over, the trolley opens with exactly what the previous leg's close left on it.
 */
import { and, desc, eq, isNotNull } from "drizzle-orm";
import type { TerminalDb } from "../db/open.js";
import { flights, stock } from "../db/schema.js";
import { TerminalError } from "../errors.js";
import { type LoadedFlight, openFlight } from "./load.js";

/** Seal numbers as printed on airline trolley seals: letters, digits and dashes. */
const SEAL_PATTERN = /^[A-Z0-9][A-Z0-9-]{2,19}$/;

export function requireSeal(seal: string | undefined): void {
  if (seal !== undefined && !SEAL_PATTERN.test(seal))
    throw new TerminalError("invalid_input", "the seal number has 3 to 20 capital letters, digits or dashes, as printed on the seal");
}

/** The flight the terminal sells on: the one opened last. */
export function currentFlight(db: TerminalDb): LoadedFlight | undefined {
  const [row] = db
    .select({ flightKey: flights.flightKey })
    .from(flights)
    .where(isNotNull(flights.openedAtMs))
    .orderBy(desc(flights.openedAtMs))
    .limit(1)
    .all();
  return row === undefined ? undefined : openFlight(db, row.flightKey);
}

/** The leg after this one in its rotation, if it is loaded. */
export function nextLegOf(db: TerminalDb, loaded: LoadedFlight): LoadedFlight | undefined {
  const rotation = loaded.manifest.rotation;
  if (rotation === undefined || rotation.legNumber === rotation.legCount) return undefined;
  return legOf(db, rotation.rotationId, rotation.legNumber + 1);
}

function legOf(db: TerminalDb, rotationId: string, legNumber: number): LoadedFlight | undefined {
  const [row] = db
    .select({ flightKey: flights.flightKey })
    .from(flights)
    .where(and(eq(flights.rotationId, rotationId), eq(flights.legNumber, legNumber)))
    .all();
  return row === undefined ? undefined : openFlight(db, row.flightKey);
}

/**
 * Makes the flight current. Opening again changes nothing (a restart, a reload). Refused for a
 * leg whose previous leg is loaded here and still open, and for a leg that carries stock over
 * from a leg this terminal never sold.
 */
export function openLeg(db: TerminalDb, loaded: LoadedFlight, input: { sealAtOpen?: string; nowMs: number }): void {
  requireSeal(input.sealAtOpen);
  const [row] = db.select({ openedAtMs: flights.openedAtMs }).from(flights).where(eq(flights.flightKey, loaded.flightKey)).all();
  if (row?.openedAtMs !== null && row?.openedAtMs !== undefined) return;
  const rotation = loaded.manifest.rotation;
  const previous = rotation === undefined || rotation.legNumber === 1 ? undefined : legOf(db, rotation.rotationId, rotation.legNumber - 1);
  if (previous !== undefined && !isClosed(db, previous.flightKey))
    throw new TerminalError("previous_leg_open", `close the service of ${previous.flightKey} first: one leg sells at a time`);
  db.transaction((tx) => {
    if (rotation?.stockCarried === true) {
      if (previous === undefined)
        throw new TerminalError(
          "stock_unknown",
          `${loaded.flightKey} opens with the stock left from leg ${rotation.legNumber - 1}, which this terminal did not sell: load the whole rotation, or ask ops for a re-stock of this leg`,
        );
      // Every item left flies on, also one this leg does not sell: the leg after may sell it again.
      const left = tx.select().from(stock).where(eq(stock.flightKey, previous.flightKey)).all();
      for (const item of left)
        tx.insert(stock)
          .values({ flightKey: loaded.flightKey, sku: item.sku, quantity: item.quantity })
          .onConflictDoUpdate({ target: [stock.flightKey, stock.sku], set: { quantity: item.quantity } })
          .run();
    }
    tx.update(flights)
      .set({ openedAtMs: input.nowMs, sealAtOpen: input.sealAtOpen ?? null })
      .where(eq(flights.flightKey, loaded.flightKey))
      .run();
  });
}

function isClosed(db: TerminalDb, key: string): boolean {
  const [row] = db.select({ closedAtMs: flights.closedAtMs }).from(flights).where(eq(flights.flightKey, key)).all();
  return (row?.closedAtMs ?? null) !== null;
}
