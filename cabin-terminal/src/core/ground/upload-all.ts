/**
 * Upload of everything unsent (core process): every flight with records the ground has not
 * acknowledged, oldest loaded first, then the current flight. A second leg loaded before the first
 * was uploaded no longer strands the first leg's records: they go up with the next upload. A flight
 * that fails (no connection, a fork) does not stop the others; the first failure is thrown after
 * every flight was tried, so crew see it.
 */
import { asc, eq, isNull, sql } from "drizzle-orm";
import type { UploadAllSummary, UploadSummary } from "../../api/results.js";
import type { TerminalDb } from "../db/open.js";
import { flights, records } from "../db/schema.js";
import { type LoadedFlight, openFlight } from "../flight/load.js";
import type { GroundClient } from "./client.js";
import { handoversDue } from "./handover.js";
import { type UploadOptions, uploadFlight } from "./upload.js";

/** Flights with unsent records and how many, oldest loaded first. */
export function unsentByFlight(db: TerminalDb): { flightKey: string; records: number }[] {
  return db
    .select({ flightKey: flights.flightKey, records: sql<number>`count(*)` })
    .from(flights)
    .innerJoin(records, eq(records.flightKey, flights.flightKey))
    .where(isNull(records.uploadedAtMs))
    .groupBy(flights.flightKey)
    .orderBy(asc(flights.loadedAtMs))
    .all();
}

export async function uploadAll(
  db: TerminalDb,
  current: LoadedFlight,
  client: GroundClient,
  nowMs: () => number,
  options: UploadOptions & { readonly onFailed?: (flightKey: string, error: unknown) => void },
): Promise<UploadAllSummary> {
  // Also a closed leg whose records are all up but whose handover the ground has not taken.
  const keys = [
    ...new Set([...unsentByFlight(db).map((row) => row.flightKey), ...handoversDue(db)].filter((key) => key !== current.flightKey)),
    current.flightKey,
  ];
  const uploaded: (UploadSummary & { flightKey: string })[] = [];
  let failure: unknown;
  for (const flightKey of keys) {
    try {
      const flight = flightKey === current.flightKey ? current : openFlight(db, flightKey);
      uploaded.push({ flightKey, ...(await uploadFlight(db, flight, client, nowMs, options)) });
    } catch (error) {
      options.onFailed?.(flightKey, error);
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
  const last = uploaded.at(-1)!;
  return {
    sent: uploaded.reduce((sum, f) => sum + f.sent, 0),
    accepted: uploaded.reduce((sum, f) => sum + f.accepted, 0),
    duplicate: uploaded.reduce((sum, f) => sum + f.duplicate, 0),
    rejected: uploaded.flatMap((f) => f.rejected),
    nextSequence: last.nextSequence,
    serviceClosed: last.serviceClosed,
    flights: uploaded,
  };
}
