/**
 * What this terminal may approve for a voucher (core; issue 20): the flight's spend policy
 * (`allowanceMinor` in shared, one rule for the terminal and the cabin simulation) applied to what
 * it spent, what the other trolleys' snapshots say, and whether it is in touch with all of them.
 * The cap check of a sale, the crew screen and the cabin status all ask here.
 *
 * In touch means every other terminal of the flight was heard within `CABIN_IN_TOUCH_MS`: the
 * manifest's terminals when it names them, otherwise as many certified terminals as the flight has
 * other trolleys. Each time it is, the terminal notes what it had spent on every voucher: a `share`
 * flight's baseline for when it is apart again.
 */
import { allowanceMinor, type SpendPolicy } from "@cabinpay/shared";
import type Database from "better-sqlite3";
import type { CabinStatusView } from "../../api/results.js";
import type { TerminalDb } from "../db/open.js";
import type { LoadedFlight } from "../flight/load.js";
import { CABIN_QUIET_MS, heardFrom, spentElsewhere } from "./cabin.js";

/** Heard within this, a trolley's sales are counted here before the next sale can go over the cap. */
export const CABIN_IN_TOUCH_MS = 30_000;

export interface Allowance {
  readonly policy: SpendPolicy;
  readonly inTouch: boolean;
  /** Cap less everything this terminal knows the voucher spent, here and elsewhere (never below zero). */
  readonly knownLeftMinor: number;
  /** What this terminal may approve now: the known left, or less when apart on a `share` flight. */
  readonly allowedMinor: number;
}

/** The flight's other terminals this one expects to hear: the manifest's, less itself. Empty when it names none. */
export function namedPeers(flight: LoadedFlight, selfId: string): readonly { terminalId: string; trolleyId: string }[] {
  return flight.manifest.cabinTerminals.filter((terminal) => terminal.terminalId !== selfId);
}

export function inTouch(db: TerminalDb, flight: LoadedFlight, selfId: string, nowMs: number): boolean {
  const others = flight.manifest.trolleys.length - 1;
  if (others <= 0) return true;
  const recent = new Set(
    heardFrom(db, flight.flightKey)
      .filter((peer) => nowMs - peer.receivedAtMs <= CABIN_IN_TOUCH_MS)
      .map((peer) => peer.terminalId),
  );
  const named = namedPeers(flight, selfId);
  if (named.length > 0) return named.every((peer) => recent.has(peer.terminalId));
  recent.delete(selfId);
  return recent.size >= others;
}

export function allowanceOf(
  db: TerminalDb,
  flight: LoadedFlight,
  voucher: { voucherId: string; capMinor: number },
  selfId: string,
  nowMs: number,
): Allowance {
  const usage = statementsOf(db).usage.get(flight.flightKey, voucher.voucherId);
  const spentHereMinor = usage?.spentMinor ?? 0;
  const spentElsewhereMinor = spentElsewhere(db, flight, voucher.voucherId, selfId);
  const touching = inTouch(db, flight, selfId, nowMs);
  const policy = flight.manifest.spendPolicy;
  const input = { policy, capMinor: voucher.capMinor, spentHereMinor, spentElsewhereMinor, trolleys: flight.manifest.trolleys.length };
  const allowedMinor = allowanceMinor({
    ...input,
    inTouch: touching,
    // What the cabin spent then: what this terminal had, and what the others say now (only ever more).
    lastInTouch: { spentHereMinor: usage?.touchSpentMinor ?? 0, spentTotalMinor: (usage?.touchSpentMinor ?? 0) + spentElsewhereMinor },
  });
  const knownLeftMinor = Math.max(0, voucher.capMinor - spentHereMinor - spentElsewhereMinor);
  return { policy, inTouch: touching, knownLeftMinor, allowedMinor };
}

/** After an exchange: when in touch with every other trolley, what each voucher spent here becomes the baseline. */
export function noteIfInTouch(db: TerminalDb, flight: LoadedFlight, selfId: string, nowMs: number): boolean {
  const touching = inTouch(db, flight, selfId, nowMs);
  if (touching) statementsOf(db).touch.run(flight.flightKey);
  return touching;
}

interface AllowanceStatements {
  readonly usage: Database.Statement<[string, string], { spentMinor: number; touchSpentMinor: number }>;
  readonly touch: Database.Statement<[string]>;
}

const prepared = new WeakMap<Database.Database, AllowanceStatements>();

function statementsOf(db: TerminalDb): AllowanceStatements {
  let statements = prepared.get(db.$client);
  if (statements === undefined) {
    statements = {
      usage: db.$client.prepare(
        "SELECT spent_minor AS spentMinor, touch_spent_minor AS touchSpentMinor FROM voucher_usage WHERE flight_key = ? AND voucher_id = ?",
      ),
      touch: db.$client.prepare(
        "UPDATE voucher_usage SET touch_spent_minor = spent_minor WHERE flight_key = ? AND touch_spent_minor <> spent_minor",
      ),
    };
    prepared.set(db.$client, statements);
  }
  return statements;
}

/** For the crew screen: the policy, whether in touch, and each other trolley, heard or expected. */
export function cabinView(db: TerminalDb, flight: LoadedFlight, selfId: string, nowMs: number): CabinStatusView {
  const heard = new Map(heardFrom(db, flight.flightKey).map((peer) => [peer.terminalId, peer]));
  const named = namedPeers(flight, selfId);
  const ids = named.length > 0 ? named.map((peer) => peer.terminalId) : [...heard.keys()];
  const peers = ids.map((terminalId) => {
    const peer = heard.get(terminalId);
    const heardAgoMs = peer === undefined ? undefined : Math.max(0, nowMs - peer.receivedAtMs);
    return {
      name: peer?.name,
      trolleyId: named.find((named) => named.terminalId === terminalId)?.trolleyId,
      heardAgoMs,
      quiet: heardAgoMs === undefined || heardAgoMs > CABIN_QUIET_MS,
    };
  });
  return { policy: flight.manifest.spendPolicy, inTouch: inTouch(db, flight, selfId, nowMs), peers };
}
