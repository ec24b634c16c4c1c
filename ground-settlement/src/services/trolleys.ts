/**
 * Which terminal sells from which trolley of which flight: one terminal per trolley, because two
 * would each sell the same stock. Ops free a trolley when its terminal broke or was lost; the old
 * terminal keeps its assignment, so what it sold still uploads.
 */
import { and, asc, eq, gt, inArray, isNotNull, isNull } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { constraintOf } from "../db/constraint.js";
import { flights } from "../db/schema/flights.js";
import { rotationLegs, rotations } from "../db/schema/rotations.js";
import { terminalFlights, terminals } from "../db/schema/terminals.js";
import { ApiError } from "../errors.js";
import { type FlightIdentity, flightIdentity, getFlight } from "./flights.js";
import { MANIFEST_AFTER_DEPARTURE_MS } from "./manifests.js";
import { getRotation, requireTrolleyId, trolleysOf } from "./rotations.js";

export interface TrolleyHolder {
  readonly terminalId: string;
  readonly terminalName: string;
  readonly assignedAtMs: number;
}

export async function holderOf(db: Executor, flightId: string, trolleyId: string): Promise<TrolleyHolder | undefined> {
  const [row] = await db
    .select({ terminalId: terminals.id, terminalName: terminals.name, assignedAtMs: terminalFlights.assignedAtMs })
    .from(terminalFlights)
    .innerJoin(terminals, eq(terminals.id, terminalFlights.terminalId))
    .where(
      and(eq(terminalFlights.flightId, flightId), eq(terminalFlights.trolleyId, trolleyId), isNull(terminalFlights.trolleyReleasedAtMs)),
    );
  return row;
}

/** Every trolley of the flight that a terminal holds now, and which: the terminals its cabin sync believes (manifest v5). */
export async function holdersOf(db: Executor, flightId: string): Promise<{ terminalId: string; trolleyId: string }[]> {
  const rows = await db
    .select({ terminalId: terminalFlights.terminalId, trolleyId: terminalFlights.trolleyId })
    .from(terminalFlights)
    .where(and(eq(terminalFlights.flightId, flightId), isNotNull(terminalFlights.trolleyId), isNull(terminalFlights.trolleyReleasedAtMs)));
  return rows.flatMap((row) => (row.trolleyId === null ? [] : [{ terminalId: row.terminalId, trolleyId: row.trolleyId }]));
}

/** The flights a code or an assignment names: one flight, or every leg of a rotation. */
export async function flightsToAssign(db: Executor, target: { flightId?: string; rotationId?: string }): Promise<string[]> {
  if (target.rotationId !== undefined) return (await getRotation(db, target.rotationId)).legs.map((leg) => leg.flightId);
  if (target.flightId !== undefined) return [(await getFlight(db, target.flightId)).id];
  return [];
}

/** Refuses, before anything is written, a trolley that is not on a flight or is held by another terminal. */
export async function requireTrolleyFree(
  db: Executor,
  input: { flightIds: readonly string[]; trolleyId: string; terminalId?: string },
): Promise<void> {
  requireTrolleyId(input.trolleyId);
  for (const flightId of input.flightIds) {
    const trolleys = await trolleysOf(db, flightId);
    const flight = await getFlight(db, flightId);
    const name = `${flight.carrier}${flight.number} ${flight.flightDate}`;
    if (trolleys.length > 0 && !trolleys.includes(input.trolleyId))
      throw new ApiError("trolley_unknown", `${name} has no trolley ${input.trolleyId} (its trolleys: ${trolleys.join(", ")})`);
    const holder = await holderOf(db, flightId, input.trolleyId);
    if (holder !== undefined && holder.terminalId !== input.terminalId) throw trolleyTaken(flightId, name, input.trolleyId, holder);
  }
}

function trolleyTaken(flightId: string, flightName: string, trolleyId: string, holder: TrolleyHolder): ApiError {
  const release = `/ops/flights/${flightId}/trolleys/${trolleyId}/release`;
  return new ApiError(
    "trolley_taken",
    `trolley ${trolleyId} of ${flightName} is held by the terminal "${holder.terminalName}": if that terminal is broken or lost, ops release the trolley (ops page: the flight, Terminals, Release; or POST ${release}), then enrol again`,
    { flightId, trolleyId, holder, release },
  );
}

/** Assigns the terminal to the trolley on every flight named, in the caller's transaction. */
export async function assignTrolley(
  tx: Executor,
  input: { terminalId: string; flightIds: readonly string[]; trolleyId: string; nowMs: number },
): Promise<void> {
  await requireTrolleyFree(tx, input);
  try {
    for (const flightId of input.flightIds) {
      await tx
        .insert(terminalFlights)
        .values({ terminalId: input.terminalId, flightId, assignedAtMs: input.nowMs, trolleyId: input.trolleyId })
        .onConflictDoUpdate({
          target: [terminalFlights.terminalId, terminalFlights.flightId],
          set: { trolleyId: input.trolleyId, trolleyReleasedAtMs: null, trolleyReleasedBy: null },
        });
    }
  } catch (error) {
    // Two enrolments racing for one trolley: the partial unique index lets one through.
    if (constraintOf(error) === "terminal_flights_one_per_trolley")
      throw new ApiError("trolley_taken", `trolley ${input.trolleyId} was just taken by another terminal: ask ops which`);
    throw error;
  }
}

export async function assignTerminal(
  db: Database,
  input: { terminalId: string; flightId?: string; rotationId?: string; trolleyId: string; nowMs: number },
): Promise<void> {
  await db.transaction(async (tx) => {
    const [terminal] = await tx.select({ id: terminals.id }).from(terminals).where(eq(terminals.id, input.terminalId));
    if (terminal === undefined) throw new ApiError("terminal_not_found", `no terminal ${input.terminalId}`);
    await assignTrolley(tx, { ...input, flightIds: await flightsToAssign(tx, input) });
  });
}

export async function releaseTrolley(
  db: Database,
  input: { flightId: string; trolleyId: string; actor: string; nowMs: number },
): Promise<{ released: TrolleyHolder | null }> {
  await getFlight(db, input.flightId);
  const holder = await holderOf(db, input.flightId, input.trolleyId);
  if (holder === undefined) return { released: null };
  await db
    .update(terminalFlights)
    .set({ trolleyReleasedAtMs: input.nowMs, trolleyReleasedBy: input.actor })
    .where(
      and(
        eq(terminalFlights.flightId, input.flightId),
        eq(terminalFlights.terminalId, holder.terminalId),
        isNull(terminalFlights.trolleyReleasedAtMs),
      ),
    );
  return { released: holder };
}

/** The trolley the terminal was assigned on the flight (null before trolleys were tracked); refuses an unassigned terminal. */
export async function requireAssignment(db: Executor, terminalId: string, flightId: string): Promise<{ trolleyId: string | null }> {
  const [row] = await db
    .select({ trolleyId: terminalFlights.trolleyId })
    .from(terminalFlights)
    .where(and(eq(terminalFlights.terminalId, terminalId), eq(terminalFlights.flightId, flightId)));
  if (row === undefined) throw new ApiError("terminal_not_assigned", "this terminal is not enrolled for this flight: ask ops to assign it");
  return row;
}

export interface Assignment extends FlightIdentity {
  readonly trolleyId: string | null;
  readonly rotation: { rotationId: string; aircraft: string; legNumber: number } | null;
}

/** What the terminal is to load: its flights still sellable, in the order flown. */
export async function assignmentsOf(db: Database, terminalId: string, nowMs: number): Promise<Assignment[]> {
  const rows = await db
    .select({ flight: flights, trolleyId: terminalFlights.trolleyId })
    .from(terminalFlights)
    .innerJoin(flights, eq(flights.id, terminalFlights.flightId))
    .where(
      and(
        eq(terminalFlights.terminalId, terminalId),
        isNull(terminalFlights.trolleyReleasedAtMs),
        gt(flights.departureAtMs, nowMs - MANIFEST_AFTER_DEPARTURE_MS),
      ),
    )
    .orderBy(asc(flights.departureAtMs))
    .limit(50);
  const legs =
    rows.length === 0
      ? []
      : await db
          .select({
            flightId: rotationLegs.flightId,
            legNumber: rotationLegs.legNumber,
            rotationId: rotations.id,
            aircraft: rotations.aircraft,
          })
          .from(rotationLegs)
          .innerJoin(rotations, eq(rotations.id, rotationLegs.rotationId))
          .where(
            inArray(
              rotationLegs.flightId,
              rows.map((row) => row.flight.id),
            ),
          );
  return rows.map(({ flight, trolleyId }) => {
    const leg = legs.find((l) => l.flightId === flight.id);
    return {
      ...flightIdentity(flight),
      trolleyId,
      rotation: leg === undefined ? null : { rotationId: leg.rotationId, aircraft: leg.aircraft, legNumber: leg.legNumber },
    };
  });
}
