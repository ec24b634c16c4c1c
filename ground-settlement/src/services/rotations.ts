/**
 * Rotations: an aircraft's legs of one day, in the order flown. A leg with no stock of its own
 * loaded by ops carries its trolleys' stock over from the leg before (what was left at that leg's
 * close); a leg with stock loaded is a re-stock.
 */
import { dateToDays, isTrolleyId, newId, ROTATION_LEGS_MAX } from "@cabinpay/shared";
import { asc, eq, inArray } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { constraintOf } from "../db/constraint.js";
import { flights, trolleyStock } from "../db/schema/flights.js";
import { rotationLegs, rotations } from "../db/schema/rotations.js";
import { terminalFlights, terminals } from "../db/schema/terminals.js";
import { ApiError } from "../errors.js";
import { type FlightIdentity, flightIdentity } from "./flights.js";

const AIRCRAFT_PATTERN = /^[A-Z0-9]{1,3}-?[A-Z0-9]{1,6}$/;

export interface RotationLeg extends FlightIdentity {
  readonly legNumber: number;
  readonly currency: string;
  /** No stock of its own: each trolley opens with what the leg before left. */
  readonly stockCarried: boolean;
  readonly trolleys: { trolleyId: string; terminalId: string | null; terminalName: string | null }[];
}

export interface Rotation {
  readonly rotationId: string;
  readonly aircraft: string;
  readonly date: string;
  readonly legs: RotationLeg[];
}

export async function createRotation(
  db: Database,
  input: { aircraft: string; date: string; flightIds: readonly string[]; actor: string; nowMs: number },
): Promise<Rotation> {
  const problems: string[] = [];
  if (!AIRCRAFT_PATTERN.test(input.aircraft)) problems.push("aircraft: its registration, such as B-1234");
  if (dateToDays(input.date) === undefined) problems.push("date: a real date YYYY-MM-DD");
  if (input.flightIds.length < 2 || input.flightIds.length > ROTATION_LEGS_MAX)
    problems.push(`flightIds: 2 to ${ROTATION_LEGS_MAX} legs, in the order flown`);
  if (new Set(input.flightIds).size !== input.flightIds.length) problems.push("flightIds: each leg once");
  if (problems.length > 0) throw new ApiError("rotation_invalid", problems.join("; "), problems);
  const rotationId = newId();
  try {
    await db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(flights)
        .where(inArray(flights.id, [...input.flightIds]));
      const legs = input.flightIds.map((id) => rows.find((row) => row.id === id));
      const missing = input.flightIds.filter((_, index) => legs[index] === undefined);
      if (missing.length > 0) throw new ApiError("flight_not_found", `no flight ${missing.join(", ")}`);
      for (let index = 1; index < legs.length; index += 1) {
        if (legs[index]!.departureAtMs <= legs[index - 1]!.departureAtMs)
          throw new ApiError("rotation_invalid", `leg ${index + 1} departs before leg ${index} has: list the legs in the order flown`);
      }
      await tx.insert(rotations).values({
        id: rotationId,
        aircraft: input.aircraft,
        serviceDate: input.date,
        createdAtMs: input.nowMs,
        createdBy: input.actor,
      });
      await tx.insert(rotationLegs).values(input.flightIds.map((flightId, index) => ({ rotationId, legNumber: index + 1, flightId })));
    });
  } catch (error) {
    if (constraintOf(error) === "rotation_legs_one_rotation_per_flight")
      throw new ApiError("rotation_conflict", "one of these flights is already a leg of another rotation");
    throw error;
  }
  return getRotation(db, rotationId);
}

export async function getRotation(db: Executor, rotationId: string): Promise<Rotation> {
  const [rotation] = await db.select().from(rotations).where(eq(rotations.id, rotationId));
  if (rotation === undefined) throw new ApiError("rotation_not_found", `no rotation ${rotationId}`);
  const legs = await db
    .select({ legNumber: rotationLegs.legNumber, flight: flights })
    .from(rotationLegs)
    .innerJoin(flights, eq(flights.id, rotationLegs.flightId))
    .where(eq(rotationLegs.rotationId, rotationId))
    .orderBy(asc(rotationLegs.legNumber));
  const flightIds = legs.map((leg) => leg.flight.id);
  const stocked = new Set(
    (await db.selectDistinct({ flightId: trolleyStock.flightId }).from(trolleyStock).where(inArray(trolleyStock.flightId, flightIds))).map(
      (row) => row.flightId,
    ),
  );
  const held = await db
    .select({ flightId: terminalFlights.flightId, trolleyId: terminalFlights.trolleyId, terminalId: terminals.id, name: terminals.name })
    .from(terminalFlights)
    .innerJoin(terminals, eq(terminals.id, terminalFlights.terminalId))
    .where(inArray(terminalFlights.flightId, flightIds));
  const views: RotationLeg[] = [];
  for (const { legNumber, flight } of legs) {
    const trolleyIds = await trolleysOf(db, flight.id);
    views.push({
      legNumber,
      ...flightIdentity(flight),
      currency: flight.currency,
      stockCarried: legNumber > 1 && !stocked.has(flight.id),
      trolleys: trolleyIds.map((trolleyId) => {
        const holder = held.find((row) => row.flightId === flight.id && row.trolleyId === trolleyId);
        return { trolleyId, terminalId: holder?.terminalId ?? null, terminalName: holder?.name ?? null };
      }),
    });
  }
  return { rotationId, aircraft: rotation.aircraft, date: rotation.serviceDate, legs: views };
}

export async function listRotations(db: Database, query: { date?: string }): Promise<Rotation[]> {
  const rows = await db
    .select({ id: rotations.id })
    .from(rotations)
    .where(query.date === undefined ? undefined : eq(rotations.serviceDate, query.date))
    .orderBy(asc(rotations.serviceDate), asc(rotations.aircraft))
    .limit(100);
  const list: Rotation[] = [];
  for (const row of rows) list.push(await getRotation(db, row.id));
  return list;
}

/** The flight's place in its rotation, if it is a leg of one. */
export async function legOf(
  db: Executor,
  flightId: string,
): Promise<{ rotationId: string; legNumber: number; legCount: number; previousFlightIds: string[] } | undefined> {
  const [leg] = await db.select().from(rotationLegs).where(eq(rotationLegs.flightId, flightId));
  if (leg === undefined) return undefined;
  const all = await db.select().from(rotationLegs).where(eq(rotationLegs.rotationId, leg.rotationId)).orderBy(asc(rotationLegs.legNumber));
  return {
    rotationId: leg.rotationId,
    legNumber: leg.legNumber,
    legCount: all.length,
    previousFlightIds: all.filter((other) => other.legNumber < leg.legNumber).map((other) => other.flightId),
  };
}

/**
 * Where a flight's trolley stock comes from: its own rows, or (a leg of a rotation with none) the
 * nearest earlier leg that had some, whose trolleys fly on.
 */
export async function stockSourceOf(db: Executor, flightId: string): Promise<{ flightId: string; carried: boolean }> {
  const own = await db.select({ sku: trolleyStock.sku }).from(trolleyStock).where(eq(trolleyStock.flightId, flightId)).limit(1);
  if (own.length > 0) return { flightId, carried: false };
  const leg = await legOf(db, flightId);
  for (const earlier of [...(leg?.previousFlightIds ?? [])].reverse()) {
    const rows = await db.select({ sku: trolleyStock.sku }).from(trolleyStock).where(eq(trolleyStock.flightId, earlier)).limit(1);
    if (rows.length > 0) return { flightId: earlier, carried: true };
  }
  return { flightId, carried: false };
}

/** The trolleys that fly on this flight: those its stock (own or carried) was loaded on. */
export async function trolleysOf(db: Executor, flightId: string): Promise<string[]> {
  const source = await stockSourceOf(db, flightId);
  const rows = await db
    .selectDistinct({ trolleyId: trolleyStock.trolleyId })
    .from(trolleyStock)
    .where(eq(trolleyStock.flightId, source.flightId))
    .orderBy(asc(trolleyStock.trolleyId));
  return rows.map((row) => row.trolleyId);
}

export function requireTrolleyId(trolleyId: string): void {
  if (!isTrolleyId(trolleyId)) throw new ApiError("validation_failed", "trolleyId: letters and digits, such as A or FWD1");
}
