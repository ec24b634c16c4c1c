/**
 * Cabin sync on the terminal (core; issue 20): this terminal's signed spend snapshot for a flight,
 * the newest snapshot heard from each other terminal of it (`cabin_snapshots`), and what they say
 * each voucher spent elsewhere, which the cap check adds to what it spent here.
 *
 * A peer's snapshot is taken only when its certificate holds under the ground key this terminal
 * pinned at enrolment and the certified key signed it, for this flight, from a terminal the
 * manifest names as holding one of its trolleys (when it names them); a newer version replaces
 * an older one, and one whose counters shrink is refused (counters only grow: a faulty or forged
 * terminal). The view is cached per database connection, as the sale statements are.
 */
import {
  bytesEqual,
  type CabinSpend,
  keyIdOf,
  makeSpendSnapshot,
  readSpendSnapshot,
  type SpendRejection,
  type SpendSnapshot,
  shrinks,
  spentOf,
  supersedes,
  verifySpendSnapshot,
  withSnapshot,
} from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import type Database from "better-sqlite3";
import type { TerminalDb } from "../db/open.js";
import { enrolled } from "../enrolment.js";
import type { LoadedFlight } from "../flight/load.js";
import type { Seller } from "../sales/sell.js";
import { salesStatements } from "../sales/statements.js";

const verifier = createNodeVerifier();
const views = new WeakMap<Database.Database, Map<string, CabinSpend<SpendSnapshot>>>();
/** Crew are told a trolley has been quiet this long: its sales may not be counted here. */
export const CABIN_QUIET_MS = 2 * 60_000;

export type SnapshotVerdict = "taken" | "older" | "own" | SpendRejection | "shrinks";

/** What the other terminals say the voucher spent on this flight (never this terminal's own). */
export function spentElsewhere(db: TerminalDb, flight: LoadedFlight, voucherId: string, selfId: string): number {
  return spentOf(viewOf(db, flight.flightKey), voucherId, selfId);
}

/** This terminal's snapshot of the flight: its counters per voucher after its chain's last record. Undefined without a certificate. */
export function ownSnapshot(db: TerminalDb, flight: LoadedFlight, seller: Seller, nowMs: number): SpendSnapshot | undefined {
  const head = salesStatements(db).head.get(flight.flightKey);
  if (seller.certificate === undefined) return undefined;
  const entries = cabinStatements(db).counters.all(flight.flightKey);
  const content = {
    flight: flight.manifest.flight,
    terminalId: seller.terminalId,
    version: (head?.sequence ?? 0) + 1,
    createdAtMs: nowMs,
    entries,
  };
  return makeSpendSnapshot(content, seller.certificate, seller.signer);
}

/** Checks and keeps a peer's snapshot: what became of it. */
export function takeSnapshot(db: TerminalDb, flight: LoadedFlight, bytes: Uint8Array, selfId: string, nowMs: number): SnapshotVerdict {
  // Every round a peer sends again what it sent before: the same bytes as held need no check.
  const parsed = readSpendSnapshot(bytes);
  const same = parsed === undefined ? undefined : viewOf(db, flight.flightKey).get(parsed.terminalId);
  if (same !== undefined && bytesEqual(same.bytes, bytes)) return "older";
  const groundKey = enrolled(db).manifestPublicKey;
  const groundKeys = new Map([[keyIdOf(groundKey), groundKey]]);
  const terminals = flight.manifest.cabinTerminals.map((terminal) => terminal.terminalId);
  const checked = verifySpendSnapshot(bytes, { groundKeys, verifier, flight: flight.manifest.flight, nowMs, terminals });
  if (!checked.ok) return checked.reason;
  const snapshot = checked.snapshot;
  if (snapshot.terminalId === selfId) return "own";
  const held = viewOf(db, flight.flightKey).get(snapshot.terminalId);
  if (held !== undefined && !supersedes(snapshot, held)) return "older";
  if (held !== undefined && shrinks(held, snapshot)) return "shrinks";
  cabinStatements(db).keep.run(flight.flightKey, snapshot.terminalId, snapshot.version, Buffer.from(snapshot.bytes), nowMs);
  const flights = views.get(db.$client)!;
  flights.set(flight.flightKey, withSnapshot(flights.get(flight.flightKey)!, snapshot));
  return "taken";
}

/** What this terminal passes on, to a peer or to the ground: its own snapshot (once it has sold) and the peers' it holds. */
export function snapshotsToShare(db: TerminalDb, flight: LoadedFlight, seller: Seller, nowMs: number): SpendSnapshot[] {
  const own = ownSnapshot(db, flight, seller, nowMs);
  return [...(own === undefined ? [] : [own]), ...heardSnapshots(db, flight)];
}

/** The peers' snapshots this terminal holds for the flight, as received: what it passes on. */
export function heardSnapshots(db: TerminalDb, flight: LoadedFlight): SpendSnapshot[] {
  return [...viewOf(db, flight.flightKey).values()];
}

/** When this terminal last heard from each peer of the flight, with the peer's name as the ground certified it. */
export function heardFrom(db: TerminalDb, flightKey: string): { terminalId: string; name: string; receivedAtMs: number }[] {
  const view = viewOf(db, flightKey);
  return cabinStatements(db)
    .heard.all(flightKey)
    .map((row) => ({ ...row, name: view.get(row.terminalId)?.certificate.terminalName ?? row.terminalId }));
}

function viewOf(db: TerminalDb, flightKey: string): CabinSpend<SpendSnapshot> {
  let flights = views.get(db.$client);
  if (flights === undefined) {
    flights = new Map();
    views.set(db.$client, flights);
  }
  let view = flights.get(flightKey);
  if (view === undefined) {
    const rows = cabinStatements(db).held.all(flightKey);
    view = new Map();
    for (const row of rows) {
      // Checked when taken; read back without the clock (a certificate may have run out since).
      const decoded = readSpendSnapshot(new Uint8Array(row.bytes));
      if (decoded !== undefined) view = withSnapshot(view, decoded);
    }
    flights.set(flightKey, view);
  }
  return view;
}

interface CabinStatements {
  readonly counters: Database.Statement<[string], { voucherId: string; approvedMinor: number; givenBackMinor: number }>;
  readonly keep: Database.Statement<[string, string, number, Buffer, number]>;
  readonly heard: Database.Statement<[string], { terminalId: string; receivedAtMs: number }>;
  readonly held: Database.Statement<[string], { bytes: Buffer }>;
}

/** Prepared once per connection, as the sale statements are: every round and every status asks. */
const prepared = new WeakMap<Database.Database, CabinStatements>();

function cabinStatements(db: TerminalDb): CabinStatements {
  const sqlite = db.$client;
  let statements = prepared.get(sqlite);
  if (statements === undefined) {
    statements = {
      counters: sqlite.prepare(
        `SELECT voucher_id AS voucherId, approved_minor AS approvedMinor, given_back_minor AS givenBackMinor
         FROM voucher_usage WHERE flight_key = ? ORDER BY voucher_id`,
      ),
      keep: sqlite.prepare(
        `INSERT INTO cabin_snapshots (flight_key, terminal_id, version, bytes, received_at_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (flight_key, terminal_id) DO UPDATE SET version = excluded.version, bytes = excluded.bytes, received_at_ms = excluded.received_at_ms`,
      ),
      heard: sqlite.prepare(
        "SELECT terminal_id AS terminalId, received_at_ms AS receivedAtMs FROM cabin_snapshots WHERE flight_key = ? ORDER BY terminal_id",
      ),
      held: sqlite.prepare("SELECT bytes FROM cabin_snapshots WHERE flight_key = ?"),
    };
    prepared.set(sqlite, statements);
  }
  return statements;
}
