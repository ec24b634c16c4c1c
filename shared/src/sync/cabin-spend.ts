/**
 * The cabin's view of what each voucher spent (issue 20): per terminal, the newest signed snapshot
 * of its counters (`spend-state.ts`). Merging two views takes, per terminal, the snapshot with the
 * higher version (equal versions: the larger bytes, so a terminal that equivocated still gives every
 * peer the same answer). That is a join: commutative, associative, idempotent, whatever order and
 * however often views travel between trolleys (`shared/test/cabin-spend.test.ts`).
 */
import type { SpendEntry } from "./spend-state.js";

/** What merging needs of a snapshot; `SpendSnapshot` has it. */
export interface Versioned {
  readonly terminalId: string;
  readonly version: number;
  readonly bytes: Uint8Array;
  readonly entries: readonly SpendEntry[];
}

export type CabinSpend<S extends Versioned = Versioned> = ReadonlyMap<string, S>;

/** Whether `a` replaces `b` (same terminal): a higher version, or the same with larger bytes. */
export function supersedes(a: Versioned, b: Versioned): boolean {
  if (a.version !== b.version) return a.version > b.version;
  return compareBytes(a.bytes, b.bytes) > 0;
}

export function mergeCabin<S extends Versioned>(a: CabinSpend<S>, b: CabinSpend<S>): CabinSpend<S> {
  const merged = new Map(a);
  for (const [terminalId, snapshot] of b) {
    const held = merged.get(terminalId);
    if (held === undefined || supersedes(snapshot, held)) merged.set(terminalId, snapshot);
  }
  return merged;
}

/** A view with one more snapshot in it (unchanged when it holds a newer one of that terminal). */
export function withSnapshot<S extends Versioned>(cabin: CabinSpend<S>, snapshot: S): CabinSpend<S> {
  return mergeCabin(cabin, new Map([[snapshot.terminalId, snapshot]]));
}

/**
 * What a voucher spent across the cabin, in the flight's currency: per terminal, approved less given
 * back (never below zero: a terminal gives back only what it took, so one signing "gave back more
 * than it approved" cannot free another trolley's spend), summed. `except` leaves one terminal out
 * (a terminal counts its own sales from its own records, newer than any snapshot of them).
 */
export function spentOf(cabin: CabinSpend, voucherId: string, except?: string): number {
  let spentMinor = 0;
  for (const [terminalId, snapshot] of cabin) {
    if (terminalId === except) continue;
    const entry = findEntry(snapshot.entries, voucherId);
    if (entry !== undefined) spentMinor += Math.max(0, entry.approvedMinor - entry.givenBackMinor);
  }
  return spentMinor;
}

/** Whether a newer snapshot of a terminal has a counter below its older one: counters only grow, so it is faulty or forged. */
export function shrinks(older: Versioned, newer: Versioned): boolean {
  return older.entries.some((before) => {
    const after = findEntry(newer.entries, before.voucherId);
    return after === undefined || after.approvedMinor < before.approvedMinor || after.givenBackMinor < before.givenBackMinor;
  });
}

/** Binary search: entries are ascending by voucher id. */
function findEntry(entries: readonly SpendEntry[], voucherId: string): SpendEntry | undefined {
  let low = 0;
  let high = entries.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const entry = entries[middle]!;
    if (entry.voucherId === voucherId) return entry;
    if (entry.voucherId < voucherId) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
