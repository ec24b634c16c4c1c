/**
 * Selling offline. `charge` checks what was scanned (`scanned.ts`: a printed voucher or a phone's
 * rotating code, with the shared library and the native verifier), the
 * voucher's remaining cap on this terminal, the sale limits and the trolley's stock, then writes
 * the signed chain record, the stock decrements and the cap usage in one durable transaction
 * (synchronous=FULL: on disk before "approved" is shown). Closing is the purser's; voids and refunds
 * are in reverse.ts, the end-of-service report in report.ts.
 */
import {
  type CodePresentation,
  type CrewRole,
  describeRate,
  linesTotalMinor,
  NIL_UUID,
  type SaleRecord,
  type Signer,
  type Voucher,
} from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import type { CabinApart, ChargeResult, CloseResult, DeclineReason } from "../../api/results.js";
import { checkpointSoon } from "../db/checkpoint.js";
import type { TerminalDb } from "../db/open.js";
import { flights } from "../db/schema.js";
import { requireSeal } from "../flight/legs.js";
import { CLOCK_TOLERANCE_MS, type LoadedFlight } from "../flight/load.js";
import { allowanceOf } from "../sync/allowance.js";
import { accountTerms, inAccount } from "./account.js";
import { type CartLine, priced } from "./cart.js";
import { appendRecord, insertRecord, signNext } from "./chain.js";
import { serviceReport } from "./report.js";
import { checkScannedInSteps, type Scanned } from "./scanned.js";
import { isServiceClosed, salesStatements } from "./statements.js";

export interface Seller {
  readonly terminalId: string;
  readonly signer: Signer;
  readonly crew: { readonly crewId: string; readonly role: CrewRole } | undefined;
  readonly newId: () => string;
  /** The ground's certificate of the device key: a receipt carries it (none before the ground gave one). */
  readonly certificate?: Uint8Array;
}

type Decline = Extract<ChargeResult, { ok: false }>;

function decline(reason: DeclineReason, detail: string, extra: Omit<Decline, "ok" | "reason" | "detail"> = {}): Decline {
  return { ok: false, reason, detail, ...extra };
}

/**
 * Charges the cart to a voucher: checked, then written in one durable transaction, or declined
 * with why. The voucher's signature is checked on the second core while the record is signed here
 * (`checkScannedInSteps`): a sale costs the longer of the two, not their sum.
 */
export function charge(...sale: Parameters<typeof chargeRecorded>): ChargeResult {
  return chargeRecorded(...sale).result;
}

/** `charge`, with the record it wrote: the core signs the passenger's receipt over it without reading it back. */
export function chargeRecorded(
  db: TerminalDb,
  flight: LoadedFlight,
  seller: Seller,
  cart: readonly CartLine[],
  voucherText: string,
  nowMs: number,
): Charged {
  const sale = checkSale(db, flight, seller, cart, nowMs);
  if ("reason" in sale) return { result: sale };
  const { manifest } = flight;
  const scanned = checkScannedInSteps(voucherText, manifest, nowMs);
  if (!scanned.ok) return { result: decline(scanned.reason, scanned.detail) };
  const { voucher, voucherBytes, presentation, signaturesHold } = scanned;
  const terms = accountTerms(manifest, voucher.cap.currency);
  if (terms === undefined) {
    const detail = `the voucher is in ${voucher.cap.currency}; this flight sells in ${manifest.currency} and has no ${voucher.cap.currency} rate loaded`;
    return { result: unlessForged(signaturesHold, decline("no_rate", detail)) };
  }
  const chargedMinor = inAccount(manifest, terms, sale.totalMinor);
  return recordSale(db, { flight, seller, voucher, voucherBytes, presentation, signaturesHold, terms, ...sale, chargedMinor, nowMs });
}

/** A charge's answer, and the record when it wrote one. */
export interface Charged {
  readonly result: ChargeResult;
  readonly record?: SaleRecord;
}

/** A voucher whose signature fails is declined for that, whatever else is wrong with the sale: the signature answers first. */
function unlessForged(signaturesHold: () => Scanned, other: Decline): Decline {
  const verified = signaturesHold();
  return verified.ok ? other : decline(verified.reason, verified.detail);
}

/** Who sells, the service, the cart and the sale limits, before any voucher is looked at. */
function checkSale(db: TerminalDb, flight: LoadedFlight, seller: Seller, cart: readonly CartLine[], nowMs: number) {
  const { manifest } = flight;
  if (seller.crew === undefined) return decline("not_logged_in", "log in with your PIN first");
  if (isServiceClosed(db, flight.flightKey)) return decline("service_closed", "the service is closed: no more sales on this flight");
  if (cart.length === 0) return decline("empty_cart", "add items to the cart first");
  if (nowMs - CLOCK_TOLERANCE_MS > manifest.expiresAtMs)
    return decline("expired", "this flight's manifest has expired: no more sales on it; load the next flight");
  const lines = priced(cart, manifest);
  if (lines === undefined) return decline("unknown_item", "an item is not in this flight's catalog");
  if (lines.length > manifest.limits.saleLinesMax)
    return decline("too_many_lines", `at most ${manifest.limits.saleLinesMax} different items in one sale`);
  const totalMinor = linesTotalMinor(manifest.currency, lines);
  if (totalMinor > manifest.limits.saleMinorMax)
    return decline("over_sale_limit", `a sale may not exceed ${manifest.limits.saleMinorMax} minor units`);
  return { lines, totalMinor };
}

interface SaleToRecord {
  readonly flight: LoadedFlight;
  readonly seller: Seller;
  readonly voucher: Voucher;
  readonly voucherBytes: Uint8Array;
  readonly presentation: CodePresentation | undefined;
  /** The voucher's signatures, checked on the second core: asked before anything is written. */
  readonly signaturesHold: () => Scanned;
  readonly terms: NonNullable<ReturnType<typeof accountTerms>>;
  readonly lines: NonNullable<ReturnType<typeof priced>>;
  readonly totalMinor: number;
  readonly chargedMinor: number;
  readonly nowMs: number;
}

/**
 * The cap the voucher has left across the cabin (what it spent here, and what the other trolleys
 * say it spent there), or why the sale cannot be made: over that cap, or out of stock.
 */
function capLeftOrRefusal(db: TerminalDb, sale: SaleToRecord): { remaining: number; apart?: CabinApart } | Decline {
  const { flight, seller, voucher, terms, lines, chargedMinor, nowMs } = sale;
  const statements = salesStatements(db);
  const cabin = allowanceOf(db, flight, { voucherId: voucher.voucherId, capMinor: voucher.cap.amountMinor }, seller.terminalId, nowMs);
  const apartAfter = (spentMinor: number): { apart?: CabinApart } =>
    cabin.inTouch ? {} : { apart: { policy: cabin.policy, allowedMinor: Math.max(0, cabin.allowedMinor - spentMinor) } };
  if (chargedMinor > cabin.allowedMinor) {
    const why = cabin.allowedMinor < cabin.knownLeftMinor ? "this trolley's share while apart from the others" : "this voucher";
    return decline("over_cap", `only ${cabin.allowedMinor} ${terms.currency} minor units left on ${why}`, {
      remainingCapMinor: cabin.knownLeftMinor,
      remainingCurrency: terms.currency,
      ...apartAfter(0),
    });
  }
  for (const line of lines) {
    const left = statements.stockOf.get(flight.flightKey, line.sku)?.quantity ?? 0;
    if (left < line.quantity) return decline("no_stock", `only ${left} of ${line.nameEn} left on this trolley`, { sku: line.sku });
  }
  return { remaining: cabin.knownLeftMinor, ...apartAfter(chargedMinor) };
}

/** Thrown inside the sale's transaction when the voucher's signature fails: everything written rolls back. */
class SignatureFailed extends Error {
  constructor(readonly declined: Decline) {
    super(declined.detail);
  }
}

/** The sale in one transaction, or declined with nothing written. */
function recordSale(db: TerminalDb, sale: SaleToRecord): Charged {
  let charged: Charged;
  try {
    charged = salesStatements(db).atomically(() => writeSale(db, sale));
  } catch (error) {
    if (error instanceof SignatureFailed) return { result: error.declined };
    throw error;
  }
  if (charged.result.ok) checkpointSoon(db.$client);
  return charged;
}

/**
 * Written while the second core checks the voucher's signature: the code not paid, the cap left
 * and the stock checked, the record signed and inserted, stock and cap usage changed; then the
 * answer is taken. A failing signature throws and the transaction rolls all of it back: nothing
 * unproven is ever committed, and the work overlaps the check instead of following it.
 */
function writeSale(db: TerminalDb, sale: SaleToRecord): Charged {
  const { flight, seller, voucher, presentation, lines, chargedMinor } = sale;
  const statements = salesStatements(db);
  if (
    presentation !== undefined &&
    statements.codeTaken.get(flight.flightKey, voucher.voucherId, presentation.slotStartMs, presentation.counter)
  )
    return {
      result: unlessForged(
        sale.signaturesHold,
        decline("code_replayed", "this code already paid on this terminal: the phone shows a new one"),
      ),
    };
  const cap = capLeftOrRefusal(db, sale);
  if ("ok" in cap) return { result: unlessForged(sale.signaturesHold, cap) };
  const record = signNext(db, saleDraft(sale), flight.flightKey, seller.signer, voucher);
  insertRecord(db, record, flight.flightKey);
  for (const line of lines) statements.changeStock.run(-line.quantity, flight.flightKey, line.sku);
  statements.addUsage.run({
    flight: flight.flightKey,
    voucher: voucher.voucherId,
    amount: chargedMinor,
    name: voucher.passengerName,
    seat: voucher.seat ?? null,
  });
  if (presentation !== undefined)
    statements.takeCode.run(flight.flightKey, voucher.voucherId, presentation.slotStartMs, presentation.counter, record.recordId);
  const verified = sale.signaturesHold();
  if (!verified.ok) throw new SignatureFailed(decline(verified.reason, verified.detail));
  return { result: { ok: true, receipt: receiptOf(sale, record, cap) }, record };
}

/** The sale's record before its place in the chain. */
function saleDraft(sale: SaleToRecord) {
  const { flight, seller, voucher, presentation, lines, nowMs } = sale;
  return {
    recordId: seller.newId(),
    kind: "sale" as const,
    terminalId: seller.terminalId,
    flight: flight.manifest.flight,
    createdAtMs: nowMs,
    crewId: seller.crew!.crewId,
    trolleyId: flight.trolleyId,
    voucherId: voucher.voucherId,
    currency: flight.manifest.currency,
    lines: lines.map(({ sku, quantity, unitPriceMinor }) => ({ sku, quantity, unitPriceMinor })),
    // The voucher as presented, and the phone's signed code when it paid: evidence for the ground.
    voucherBytes: sale.voucherBytes,
    ...(presentation === undefined ? {} : { presentation }),
  };
}

/** What the crew screen shows and the passenger's signed receipt carries (`receipts.ts`). */
function receiptOf(sale: SaleToRecord, record: SaleRecord, cap: { remaining: number; apart?: CabinApart }) {
  const { flight, voucher, presentation, terms, lines, totalMinor, chargedMinor } = sale;
  return {
    recordId: record.recordId,
    sequence: record.sequence,
    lines: lines.map(({ sku, nameEn, nameZh, quantity, unitPriceMinor }) => ({ sku, nameEn, nameZh, quantity, unitPriceMinor })),
    totalMinor,
    currency: flight.manifest.currency,
    chargedMinor,
    chargedCurrency: terms.currency,
    rate: terms.rate === undefined ? undefined : { text: describeRate(flight.manifest.currency, terms.rate), source: terms.rate.source },
    remainingCapMinor: cap.remaining - chargedMinor,
    ...(cap.apart === undefined ? {} : { apart: cap.apart }),
    passengerName: voucher.passengerName,
    seat: voucher.seat,
    presented: presentation === undefined ? ("printed" as const) : ("code" as const),
  };
}

/** The purser closes the service: a close record ends the chain; nothing can be sold after. */
export function closeService(db: TerminalDb, flight: LoadedFlight, seller: Seller, nowMs: number, sealAtClose?: string): CloseResult {
  requireSeal(sealAtClose);
  if (seller.crew?.role !== "purser") return { ok: false, reason: "not_purser", detail: "only the purser can close the service" };
  if (isServiceClosed(db, flight.flightKey)) return { ok: false, reason: "service_closed", detail: "the service is already closed" };
  db.transaction((tx) => {
    appendRecord(
      db,
      {
        recordId: seller.newId(),
        kind: "close",
        terminalId: seller.terminalId,
        flight: flight.manifest.flight,
        createdAtMs: nowMs,
        crewId: seller.crew!.crewId,
        trolleyId: flight.trolleyId,
        voucherId: NIL_UUID,
        currency: flight.manifest.currency,
        lines: [],
      },
      flight.flightKey,
      seller.signer,
    );
    tx.update(flights)
      .set({ closedAtMs: nowMs, sealAtClose: sealAtClose ?? null })
      .where(eq(flights.flightKey, flight.flightKey))
      .run();
  });
  return { ok: true, report: serviceReport(db, flight) };
}
