/**
 * What the terminal API answers, declared here with the inputs (`contract.ts`) so that the contract
 * stands alone: the renderer, the preload and the hosts import it without the core, and the core
 * imports these types to answer with them. Plain types, no process of their own.
 *
 * Every answer that can be refused has one shape: `ok: true` with what was done, or `ok: false`
 * with a stable `reason` code (and, where crew need it, a `detail` in words for the log).
 */
import type { CrewRole, ReversalReason, SpendPolicy, SpendRejection } from "@cabinpay/shared";

export type LoginResult =
  | { readonly ok: true; readonly crewId: string; readonly name: string; readonly role: CrewRole }
  | { readonly ok: false; readonly reason: "unknown_crew" }
  | { readonly ok: false; readonly reason: "wrong_pin"; readonly attemptsLeft: number }
  | { readonly ok: false; readonly reason: "locked"; readonly lockedUntilMs: number };

export interface UploadSummary {
  readonly sent: number;
  readonly accepted: number;
  readonly duplicate: number;
  readonly rejected: { flightKey: string; sequence: number; reason: string }[];
  readonly nextSequence: number;
  readonly serviceClosed: boolean;
}

export interface UploadAllSummary extends UploadSummary {
  /** Each flight uploaded, oldest first; the totals above add them up (`nextSequence` and `serviceClosed` are the current flight's). */
  readonly flights: readonly (UploadSummary & { readonly flightKey: string })[];
}

export interface PurgeResult {
  readonly flights: readonly string[];
  readonly records: number;
}

export interface SaleLineRow {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
}

export interface ServiceReport {
  readonly flightKey: string;
  readonly currency: string;
  /** Sales not voided, at what they were sold for (before refunds). */
  readonly sales: { readonly count: number; readonly totalMinor: number };
  readonly voids: { readonly count: number; readonly totalMinor: number };
  readonly refunds: { readonly count: number; readonly totalMinor: number };
  /** sales − refunds: what the ground should collect for this terminal. */
  readonly netMinor: number;
  /** Net of refunds, per catalog category. */
  readonly byCategory: Record<string, number>;
  /** Per crew member who made the sales: count, and total net of refunds. */
  readonly byCrew: Record<string, { count: number; totalMinor: number }>;
  readonly stockLeft: Record<string, number>;
}

export interface SaleListItem {
  readonly recordId: string;
  readonly sequence: number;
  readonly createdAtMs: number;
  readonly crewId: string;
  /** Who sold it, as on the roster: crew read names, not ids. */
  readonly crewName: string;
  readonly voucherId: string;
  /** From the voucher, to find the passenger's sale (undefined for sales stored before they were kept). */
  readonly passengerName: string | undefined;
  readonly seat: string | undefined;
  readonly totalMinor: number;
  readonly lines: readonly (SaleLineRow & { readonly nameEn: string; readonly nameZh: string })[];
  readonly voided: boolean;
  readonly refundedMinor: number;
  /** What can still be refunded, per SKU (nothing once voided). */
  readonly refundable: Record<string, number>;
  /** Its voids and refunds, oldest first, each with why (undefined for a record signed before reasons). */
  readonly reversals: readonly {
    readonly kind: "void" | "refund";
    readonly reason: ReversalReason | undefined;
    readonly totalMinor: number;
  }[];
}

export interface RecordOutcomeItem {
  readonly sequence: number;
  readonly recordId: string;
  readonly kind: string;
  readonly totalMinor: number;
  /** The ground's answer: accepted, duplicate or rejected:<reason>; null until sent. */
  readonly uploadOutcome: string | null;
}

export type Refusal<R extends string> = { readonly reason: R; readonly detail: string };

/** A purser's action refused for who asked: not the purser, or the purser's PIN typed wrong or locked out. */
export type PurserRefusal = "not_purser" | "wrong_pin" | "locked";

/** A signed receipt for the passenger's phone to scan: its text and its QR code as SVG. */
/** A receipt as the terminal signed it (CPT1:…); the crew screen draws its QR code. */
export interface ReceiptQr {
  readonly text: string;
}

export type VoidResult =
  | { readonly ok: true; readonly recordId: string; readonly receiptQr?: ReceiptQr }
  | ({ readonly ok: false } & Refusal<PurserRefusal | "no_such_sale" | "already_voided" | "refunded" | "service_closed">);

export type CloseResult =
  | { readonly ok: true; readonly report: ServiceReport }
  | ({ readonly ok: false } & Refusal<PurserRefusal | "service_closed">);

export type RefundResult =
  | { readonly ok: true; readonly recordId: string; readonly totalMinor: number; readonly receiptQr?: ReceiptQr }
  | ({ readonly ok: false } & Refusal<
      PurserRefusal | "no_such_sale" | "already_voided" | "service_closed" | "not_in_sale" | "more_than_sold"
    >);

export const DECLINE_REASONS = [
  "not_logged_in",
  "service_closed",
  "empty_cart",
  "unknown_item",
  "too_many_lines",
  "over_sale_limit",
  "malformed",
  "forged",
  "unsupported",
  "other_flight",
  "not_yet_valid",
  "expired",
  "revoked",
  "over_cap",
  "no_stock",
  "no_rate",
  /** A phone-bound voucher shown as a still picture: only its live code pays. */
  "phone_code_required",
  /** A printed voucher on a flight that takes phones' live codes only. */
  "printed_not_accepted",
  /** A rotating code past its slot and the tolerance: a photograph or a stale screen. */
  "code_expired",
  /** A rotating code for a slot ahead of the terminal's clock: the phone's clock is ahead. */
  "code_not_yet_valid",
  /** Not signed by the phone the voucher names. */
  "code_forged",
  /** A code this terminal already took. */
  "code_replayed",
] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

export interface Receipt {
  readonly recordId: string;
  readonly sequence: number;
  readonly lines: { sku: string; nameEn: string; nameZh: string; quantity: number; unitPriceMinor: number }[];
  readonly totalMinor: number;
  readonly currency: string;
  /** What the voucher is debited, in its own currency: the total, or (on a flight in another currency) the total at the manifest's rate. */
  readonly chargedMinor: number;
  readonly chargedCurrency: string;
  /** The rate and its source when the voucher is in another currency than the flight's. */
  readonly rate: { readonly text: string; readonly source: string } | undefined;
  /** What the voucher may still spend on this terminal, in its currency. */
  readonly remainingCapMinor: number;
  /** Set when this terminal cannot hear every other trolley of the flight: see `CabinApart`. */
  readonly apart?: CabinApart;
  /** For crew to compare with the boarding pass. */
  readonly passengerName: string;
  readonly seat: string | undefined;
  /** What paid: the phone's live code (the phone was there), or a printed voucher (check the boarding pass). */
  readonly presented: "code" | "printed";
  /** The signed receipt for the passenger's phone to scan. */
  readonly receiptQr?: ReceiptQr;
}

export type ChargeResult =
  | { readonly ok: true; readonly receipt: Receipt }
  | {
      readonly ok: false;
      readonly reason: DeclineReason;
      readonly detail: string;
      readonly remainingCapMinor?: number;
      /** The voucher's currency, which `remainingCapMinor` is in. */
      readonly remainingCurrency?: string;
      readonly apart?: CabinApart;
      readonly sku?: string;
    };

/**
 * Cabin sync: this terminal has not heard every other trolley of the flight lately, so their
 * latest sales on the voucher may not be counted here. Under the flight's `share` policy it may
 * approve only its share of what was unspent when last in touch; `allowedMinor` is what is left of
 * it after this sale (in the voucher's currency). Under `full` it is the cap less what it knows.
 */
export interface CabinApart {
  readonly policy: SpendPolicy;
  readonly allowedMinor: number;
}

/** What became of a snapshot a peer sent: taken, already held (or older), this terminal's own, or refused and why. */
export type CabinSnapshotVerdict = "taken" | "older" | "own" | "shrinks" | SpendRejection;

export interface CabinExchange {
  /** One verdict per snapshot sent, in order. */
  readonly verdicts: readonly CabinSnapshotVerdict[];
  /** This terminal's own snapshot (when it has sold) and the peers' it holds, base64url. */
  readonly snapshots: readonly string[];
}

export interface CabinStatus {
  readonly peers: readonly { readonly terminalId: string; readonly name: string; readonly heardAtMs: number }[];
}

/** What the crew screen shows of cabin sync (`status/get`): see `TerminalStatus.cabin`. */
export interface CabinStatusView {
  readonly policy: SpendPolicy;
  readonly inTouch: boolean;
  readonly peers: readonly {
    /** As the ground certified it, once heard. */
    readonly name: string | undefined;
    /** The trolley the manifest says it holds, when the manifest names the flight's terminals. */
    readonly trolleyId: string | undefined;
    /** Undefined: not heard yet on this flight. */
    readonly heardAgoMs: number | undefined;
    readonly quiet: boolean;
  }[];
}

/** What a scanned hand-off code did: one more part of the loop, all of it taken (what became of each snapshot), or refused. */
export type HandoffScan =
  | { readonly status: "partial"; readonly have: number; readonly of: number }
  | {
      readonly status: "taken";
      readonly verdicts: readonly CabinSnapshotVerdict[];
      /** The trolleys whose counts were taken, as the ground certified them. */
      readonly names: readonly string[];
    }
  | { readonly status: "invalid"; readonly detail: string };
