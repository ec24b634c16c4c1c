/**
 * Cabin sync's counters, checked on the ground (issue 20). After its upload a terminal sends the
 * flight's spend snapshots it holds: its own, and those it heard from the other trolleys. The
 * ground keeps, per terminal of the flight, the newest one that verifies (our certificate of the
 * terminal's key, a terminal that held a trolley of this flight, its signature), and checks it
 * against its own records of that terminal up to the snapshot's version:
 *
 * - `agrees`: the records give, per voucher, exactly what the terminal said it approved and gave back;
 * - `waiting`: the terminal said it had made more records than the ground holds (not uploaded yet,
 *   or lost with the terminal): what a peer heard is evidence of sales that must still come down;
 * - `disagrees`: the records and the signed counters differ: a faulty terminal, or records altered.
 *
 * No money moves here: settlement debits from records alone (the ground's records are the truth;
 * a signature proves who said it). The check is computed on every read, so a late upload settles
 * a `waiting` snapshot by itself.
 */
import { fromBase64Url, readSpendSnapshot, type SpendEntry, verifySpendSnapshot } from "@cabinpay/shared";
import { createSodiumVerifier } from "@cabinpay/shared/node";
import { and, asc, eq, lte, sql } from "drizzle-orm";
import { anyUuid, type Database, type Executor } from "../db/client.js";
import { cabinCounters } from "../db/schema/cabin.js";
import { registrations } from "../db/schema/registrations.js";
import { terminalFlights, terminals } from "../db/schema/terminals.js";
import { saleRecords } from "../db/schema/uploads.js";
import type { KeyStore } from "../keys/key-store.js";
import { getFlight } from "./flights.js";
import { accountAmounts } from "./rates.js";
import { groundKeysOf } from "./receipt-reports.js";

const verifier = createSodiumVerifier();

export const COUNTER_STATUSES = ["agrees", "waiting", "disagrees"] as const;
export type CounterStatus = (typeof COUNTER_STATUSES)[number];

export interface CounterCheck {
  readonly terminalId: string;
  readonly terminalName: string;
  readonly version: number;
  readonly reportedBy: string;
  readonly receivedAtMs: number;
  readonly status: CounterStatus;
  /** The records the terminal's counters count (`version − 1`), and how many of them the ground holds. */
  readonly recordsCounted: number;
  readonly recordsHeld: number;
  /** Vouchers whose counters differ from the records. */
  readonly vouchersDiffering: number;
}

/** Keeps each snapshot that verifies and is newer than the one held: what became of each, in order. */
export async function receiveCounters(
  db: Database,
  keys: KeyStore,
  input: { reporterId: string; flightId: string; snapshots: readonly string[]; nowMs: number },
): Promise<string[]> {
  const flight = await getFlight(db, input.flightId);
  const assigned = await db
    .selectDistinct({ terminalId: terminalFlights.terminalId })
    .from(terminalFlights)
    .where(eq(terminalFlights.flightId, input.flightId));
  const context = {
    groundKeys: groundKeysOf(keys),
    verifier,
    flight: { carrier: flight.carrier, number: flight.number, date: flight.flightDate },
    nowMs: input.nowMs,
    // Released holders too: what a terminal sold before it was replaced is still its own.
    terminals: assigned.map((row) => row.terminalId),
  };
  const verdicts: string[] = [];
  for (const text of input.snapshots) {
    const checked = verifySpendSnapshot(fromBase64Url(text) ?? new Uint8Array(), context);
    if (!checked.ok || context.terminals.length === 0) {
      verdicts.push(checked.ok ? "not_on_flight" : checked.reason);
      continue;
    }
    const { terminalId, version, bytes } = checked.snapshot;
    const row = { flightId: input.flightId, terminalId, version, bytes, reportedBy: input.reporterId, receivedAtMs: input.nowMs };
    const kept = await db
      .insert(cabinCounters)
      .values(row)
      .onConflictDoUpdate({
        target: [cabinCounters.flightId, cabinCounters.terminalId],
        set: row,
        setWhere: sql`${cabinCounters.version} < excluded.version`,
      })
      .returning({ version: cabinCounters.version });
    verdicts.push(kept.length > 0 ? "kept" : "older");
  }
  return verdicts;
}

/** Each terminal's newest counters for the flight, checked against the ground's records of it. */
export async function checkCounters(db: Executor, flightId: string): Promise<CounterCheck[]> {
  const rows = await db
    .select({
      terminalId: cabinCounters.terminalId,
      terminalName: terminals.name,
      version: cabinCounters.version,
      bytes: cabinCounters.bytes,
      reportedBy: cabinCounters.reportedBy,
      receivedAtMs: cabinCounters.receivedAtMs,
    })
    .from(cabinCounters)
    .innerJoin(terminals, eq(terminals.id, cabinCounters.terminalId))
    .where(eq(cabinCounters.flightId, flightId))
    .orderBy(asc(terminals.name));
  const checks: CounterCheck[] = [];
  for (const { bytes, ...row } of rows) {
    const entries = readSpendSnapshot(bytes)?.entries ?? [];
    // Version v counts the terminal's first v − 1 records (`SpendSnapshotContent.version`).
    const records = await recordsUpTo(db, flightId, row.terminalId, row.version - 1);
    const base = { ...row, recordsCounted: row.version - 1, recordsHeld: records.length };
    if (records.length < row.version - 1) checks.push({ ...base, status: "waiting", vouchersDiffering: 0 });
    else {
      const differing = differences(entries, await countersOfRecords(db, records));
      checks.push({ ...base, status: differing === 0 ? "agrees" : "disagrees", vouchersDiffering: differing });
    }
  }
  return checks;
}

interface CountedRecord {
  readonly flightId: string;
  readonly kind: string;
  readonly voucherId: string;
  readonly currency: string;
  readonly totalMinor: number;
}

async function recordsUpTo(db: Executor, flightId: string, terminalId: string, lastSequence: number): Promise<CountedRecord[]> {
  return db
    .select({
      flightId: saleRecords.flightId,
      kind: saleRecords.kind,
      voucherId: saleRecords.voucherId,
      currency: saleRecords.currency,
      totalMinor: saleRecords.totalMinor,
    })
    .from(saleRecords)
    .where(and(eq(saleRecords.flightId, flightId), eq(saleRecords.terminalId, terminalId), lte(saleRecords.sequence, lastSequence)));
}

/** What the records say the terminal approved and gave back per voucher, in each voucher's currency, as it counts them. */
async function countersOfRecords(db: Executor, records: readonly CountedRecord[]): Promise<Map<string, SpendEntry>> {
  const spending = records.filter((record) => record.kind !== "close");
  const voucherIds = [...new Set(spending.map((record) => record.voucherId))];
  const currencies = new Map(
    voucherIds.length === 0
      ? []
      : (
          await db
            .select({ id: registrations.id, currency: registrations.currency })
            .from(registrations)
            .where(anyUuid(registrations.id, voucherIds))
        ).map((row) => [row.id, row.currency]),
  );
  const inAccount = await accountAmounts(db, spending);
  const counters = new Map<string, SpendEntry>();
  for (const record of spending) {
    const amountMinor = inAccount(record, currencies.get(record.voucherId) ?? record.currency) ?? 0;
    const held = counters.get(record.voucherId) ?? { voucherId: record.voucherId, approvedMinor: 0, givenBackMinor: 0 };
    counters.set(
      record.voucherId,
      record.kind === "sale"
        ? { ...held, approvedMinor: held.approvedMinor + amountMinor }
        : { ...held, givenBackMinor: held.givenBackMinor + amountMinor },
    );
  }
  return counters;
}

function differences(claimed: readonly SpendEntry[], counted: ReadonlyMap<string, SpendEntry>): number {
  const said = new Map(claimed.map((entry) => [entry.voucherId, entry]));
  let differing = 0;
  for (const voucherId of new Set([...said.keys(), ...counted.keys()])) {
    const a = said.get(voucherId);
    const b = counted.get(voucherId);
    if ((a?.approvedMinor ?? 0) !== (b?.approvedMinor ?? 0) || (a?.givenBackMinor ?? 0) !== (b?.givenBackMinor ?? 0)) differing += 1;
  }
  return differing;
}
