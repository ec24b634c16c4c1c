/**
 * The passenger as witness (issue 19): after landing the phone compares the terminals' signed
 * receipts it scanned with the statement, and sends back each receipt whose record is not on it.
 * The ground checks the receipt as the phone did (its own certificate of the terminal's key, the
 * terminal's signature), that it is for one of this passenger's vouchers on that voucher's flight,
 * and keeps it. A kept report needs a person until the record arrives as the receipt describes it
 * (a late upload clears it by itself) or finance closes it with a note.
 *
 * No money moves on a report: the receipt proves what a terminal told the passenger, and finance
 * decides what to do about a terminal that lost it (the brief: the ground's own records are the
 * truth; a signature proves who said it).
 */
import { type Receipt, verifyReceipt } from "@cabinpay/shared";
import { createSodiumVerifier } from "@cabinpay/shared/node";
import { and, desc, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { receiptReports } from "../db/schema/receipts.js";
import { registrations } from "../db/schema/registrations.js";
import { terminals } from "../db/schema/terminals.js";
import { saleRecords } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import type { KeyStore } from "../keys/key-store.js";
import { getFlight } from "./flights.js";
import { ownRegistration } from "./registrations.js";

/** Far more than any voucher's receipts on one flight: bounds what one passenger can store. */
export const RECEIPT_REPORTS_PER_REGISTRATION_MAX = 500;

/** `received`: the ground holds the record as receipted. `missing`: it holds nothing. `differs`: it holds another. */
export type ReceiptMatch = "received" | "missing" | "differs";

/**
 * SQL, over `receipt_reports`: the ground does not hold the receipted record as the receipt says
 * (at its place in its terminal's chain, with the same hash, which covers its id). Not by the id
 * alone: a record the ground keyed by an id of its own (another terminal's held the terminal's,
 * `takenIds`) is still the receipted one. The one rule for "needs a person", with `closed_at_ms IS NULL`.
 */
export const RECEIPT_UNMATCHED = sql`NOT EXISTS (SELECT 1 FROM ${saleRecords} WHERE ${saleRecords.terminalId} = ${receiptReports.terminalId}
  AND ${saleRecords.flightId} = ${receiptReports.flightId} AND ${saleRecords.sequence} = ${receiptReports.sequence}
  AND ${saleRecords.recordHash} = ${receiptReports.recordHash})`;
export const RECEIPT_REPORT_OPEN = and(sql`${receiptReports.closedAtMs} IS NULL`, RECEIPT_UNMATCHED)!;

const verifier = createSodiumVerifier();
/** Reports listed at most, newest first. */
const REPORTS_LISTED_MAX = 500;

/** The keys a phone checks receipts with: the ground's certificate key (public, cached on the phone). */
export function groundKeysOf(keys: KeyStore): ReadonlyMap<string, Uint8Array> {
  return new Map([[keys.manifestSigner.keyId, keys.manifestSigner.publicKey]]);
}

export interface ReportOutcome {
  readonly recordId: string;
  readonly match: ReceiptMatch;
  readonly reportedAtMs: number | null;
}

export async function reportReceipt(
  db: Database,
  keys: KeyStore,
  input: { passengerId: string; receiptText: string; nowMs: number },
): Promise<ReportOutcome> {
  const checked = verifyReceipt(input.receiptText, { groundKeys: groundKeysOf(keys), verifier });
  if (!checked.ok) throw new ApiError("receipt_invalid", `this receipt does not check: ${checked.detail}`, { reason: checked.reason });
  const receipt = checked.receipt;
  const registration = await ownRegistration(db, input.passengerId, receipt.voucherId);
  const flight = await getFlight(db, registration.flightId);
  const sameFlight =
    flight.carrier === receipt.flight.carrier && flight.number === receipt.flight.number && flight.flightDate === receipt.flight.date;
  if (!sameFlight)
    throw new ApiError("receipt_invalid", "this receipt is for another flight than its voucher's", { reason: "wrong_flight" });
  const match = await matchOf(db, flight.id, receipt);
  if (match === "received") return { recordId: receipt.recordId, match, reportedAtMs: null };
  return db.transaction(async (tx) => {
    // One passenger's reports are taken one at a time: the count below holds under races.
    await tx.execute(sql`SELECT 1 FROM registrations WHERE id = ${registration.id} FOR UPDATE`);
    const [kept] = await tx.select().from(receiptReports).where(eq(receiptReports.recordId, receipt.recordId));
    if (kept !== undefined) {
      if (kept.registrationId !== registration.id) throw new ApiError("receipt_invalid", "this record was reported for another voucher");
      return { recordId: kept.recordId, match, reportedAtMs: kept.reportedAtMs };
    }
    const [count] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(receiptReports)
      .where(eq(receiptReports.registrationId, registration.id));
    if ((count?.n ?? 0) >= RECEIPT_REPORTS_PER_REGISTRATION_MAX)
      throw new ApiError("not_actionable", `a voucher can report at most ${RECEIPT_REPORTS_PER_REGISTRATION_MAX} receipts`);
    await tx.insert(receiptReports).values(rowOf(receipt, { registrationId: registration.id, flightId: flight.id, ...input }));
    return { recordId: receipt.recordId, match, reportedAtMs: input.nowMs };
  });
}

function rowOf(receipt: Receipt, at: { registrationId: string; flightId: string; receiptText: string; nowMs: number }) {
  return {
    recordId: receipt.recordId,
    registrationId: at.registrationId,
    flightId: at.flightId,
    terminalId: receipt.certificate.terminalId,
    kind: receipt.kind,
    sequence: receipt.sequence,
    recordHash: receipt.recordHash,
    currency: receipt.currency,
    totalMinor: receipt.totalMinor,
    createdAtMs: receipt.createdAtMs,
    receiptText: at.receiptText.trim(),
    reportedAtMs: at.nowMs,
  };
}

/** What the ground holds of a receipted record: by its id, and at its place in the terminal's chain. */
async function matchOf(db: Executor, flightId: string, receipt: Receipt): Promise<ReceiptMatch> {
  const terminalId = receipt.certificate.terminalId;
  const [terminal] = await db.select({ id: terminals.id }).from(terminals).where(eq(terminals.id, terminalId));
  if (terminal === undefined) throw new ApiError("receipt_invalid", "the terminal this receipt names is not one of ours");
  const held = await db
    .select({ terminalId: saleRecords.terminalId, sequence: saleRecords.sequence, recordHash: saleRecords.recordHash })
    .from(saleRecords)
    .where(
      sql`${saleRecords.id} = ${receipt.recordId} OR (${saleRecords.terminalId} = ${terminalId} AND ${saleRecords.flightId} = ${flightId} AND ${saleRecords.sequence} = ${receipt.sequence})`,
    );
  if (held.length === 0) return "missing";
  // At its place in the chain, with its hash (RECEIPT_UNMATCHED's rule): the one the receipt describes.
  const same = held.some(
    (r) =>
      r.terminalId === terminalId && r.sequence === receipt.sequence && Buffer.from(r.recordHash).equals(Buffer.from(receipt.recordHash)),
  );
  return same ? "received" : "differs";
}

/** Finance closes a report it looked into, with a note: it leaves the queue, and stays on record. */
export async function closeReceiptReport(db: Database, input: { recordId: string; actor: string; note: string; nowMs: number }) {
  const closed = await db
    .update(receiptReports)
    .set({ closedAtMs: input.nowMs, closedBy: input.actor, closeNote: input.note })
    .where(and(eq(receiptReports.recordId, input.recordId), RECEIPT_REPORT_OPEN))
    .returning({ recordId: receiptReports.recordId });
  if (closed.length === 0) {
    const [row] = await db.select({ id: receiptReports.recordId }).from(receiptReports).where(eq(receiptReports.recordId, input.recordId));
    if (row === undefined) throw new ApiError("not_found", `no receipt report for record ${input.recordId}`);
    throw new ApiError("not_actionable", "this report is closed, or its record has arrived since");
  }
}

/**
 * Reports with what the ground holds of each record now: the open ones for the attention queue, or
 * all of a flight's for its reconciliation. `differs`: a record with the receipt's id but another
 * hash, or another record at its place in the terminal's chain.
 */
export async function receiptReportsOf(db: Executor, filter: { flightId?: string; openOnly: boolean }) {
  const differs = sql<boolean>`EXISTS (SELECT 1 FROM ${saleRecords} WHERE ${saleRecords.id} = ${receiptReports.recordId}
    OR (${saleRecords.terminalId} = ${receiptReports.terminalId} AND ${saleRecords.flightId} = ${receiptReports.flightId} AND ${saleRecords.sequence} = ${receiptReports.sequence}))`;
  const rows = await db
    .select({
      report: receiptReports,
      carrier: flights.carrier,
      number: flights.number,
      date: flights.flightDate,
      passengerName: registrations.passengerName,
      seat: registrations.seat,
      terminalName: terminals.name,
      unmatched: sql<boolean>`${RECEIPT_UNMATCHED}`,
      differs,
    })
    .from(receiptReports)
    .innerJoin(flights, eq(flights.id, receiptReports.flightId))
    .innerJoin(registrations, eq(registrations.id, receiptReports.registrationId))
    .innerJoin(terminals, eq(terminals.id, receiptReports.terminalId))
    .where(
      and(
        ...(filter.flightId === undefined ? [] : [eq(receiptReports.flightId, filter.flightId)]),
        ...(filter.openOnly ? [RECEIPT_REPORT_OPEN] : []),
      ),
    )
    .orderBy(desc(receiptReports.reportedAtMs))
    .limit(REPORTS_LISTED_MAX);
  return rows.map(({ report, unmatched, differs: other, ...names }) => ({
    recordId: report.recordId,
    flightId: report.flightId,
    ...names,
    kind: report.kind,
    sequence: report.sequence,
    currency: report.currency,
    totalMinor: report.totalMinor,
    createdAtMs: report.createdAtMs,
    reportedAtMs: report.reportedAtMs,
    match: (unmatched ? (other ? "differs" : "missing") : "received") as ReceiptMatch,
    closedAtMs: report.closedAtMs,
    closedBy: report.closedBy,
    closeNote: report.closeNote,
  }));
}
