/**
 * Cabin sync's counters down to the ground (core process; issue 20): after a flight's records, the
 * spend snapshots this terminal holds of it (its own, and those it heard from the other trolleys),
 * which the ground checks against its records of each terminal. A peer's snapshot is how the
 * ground learns of sales a lost or stolen trolley made and never uploaded. Not sent again while
 * nothing changed since the last time the ground took them.
 */
import { type SpendSnapshot, toBase64Url } from "@cabinpay/shared";
import { SPEND_SNAPSHOTS_MAX } from "@cabinpay/shared/wire";
import type { TerminalDb } from "../db/open.js";
import type { LoadedFlight } from "../flight/load.js";
import type { GroundClient } from "./client.js";

/** Per database, per flight: the terminals and versions the ground last took. */
const lastSent = new WeakMap<TerminalDb, Map<string, string>>();

export async function sendCabinCounters(
  db: TerminalDb,
  flight: LoadedFlight,
  client: GroundClient,
  input: { flightId: string; snapshots: readonly SpendSnapshot[] },
): Promise<void> {
  const snapshots = input.snapshots.slice(0, SPEND_SNAPSHOTS_MAX);
  if (snapshots.length === 0) return;
  const sent = lastSent.get(db) ?? new Map<string, string>();
  lastSent.set(db, sent);
  const versions = snapshots.map((snapshot) => `${snapshot.terminalId}:${snapshot.version}`).join(",");
  if (sent.get(flight.flightKey) === versions) return;
  await client.cabinCounters(input.flightId, { snapshots: snapshots.map((snapshot) => toBase64Url(snapshot.bytes)) });
  sent.set(flight.flightKey, versions);
}
