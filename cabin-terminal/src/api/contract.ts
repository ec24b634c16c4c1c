/**
 * The one API surface between the crew UI and the terminal core, in no process of its own: the
 * renderer, the preload, Electron's main, the browser host and the CLI all import it. Handlers are
 * named `domain/verb`; every input has a schema with limits, checked by the core before use.
 */
import {
  CARRIER_PATTERN_TEXT,
  type CrewRole,
  type CurrencyCode,
  FLIGHT_NUMBER_PATTERN_TEXT,
  LIMITS,
  REVERSAL_REASONS,
  ROTATION_BUNDLE_CHARS_MAX,
} from "@cabinpay/shared";
import { WireSpendSnapshots } from "@cabinpay/shared/wire";
import { type Static, type TSchema, Type } from "typebox";
import type {
  CabinExchange,
  CabinStatus,
  CabinStatusView,
  ChargeResult,
  CloseResult,
  HandoffScan,
  LoginResult,
  PurgeResult,
  RecordOutcomeItem,
  RefundResult,
  SaleListItem,
  ServiceReport,
  UploadAllSummary,
  VoidResult,
} from "./results.js";

const Sku = Type.String({ minLength: 1, maxLength: LIMITS.skuBytesMax });
const Quantity = Type.Integer({ minimum: 1, maximum: LIMITS.lineQuantityMax });
const RecordId = Type.String({ pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" });
const Empty = Type.Object({}, { additionalProperties: false });
const Seal = Type.String({ minLength: 3, maxLength: 20 });
/** Why a sale is voided or refunded: one of the list, signed into the record. */
const Reason = Type.Enum(REVERSAL_REASONS);
const strict = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: false });
/**
 * The purser's PIN typed on a crew member's screen, for one void, refund or close: checked and
 * counted like a login; the action is the purser's, and the crew member stays logged in.
 */
const PurserOverride = Type.Optional(
  strict({ crewId: Type.String({ minLength: 1, maxLength: LIMITS.crewIdBytesMax }), pin: Type.String({ maxLength: 8 }) }),
);

/** The input schema of every handler: what the UI may send, with limits. */
export const TERMINAL_API_INPUTS = {
  "enrolment/enrol": strict({
    groundUrl: Type.String({ maxLength: 200, pattern: "^https?://" }),
    code: Type.String({ minLength: 12, maxLength: 20 }),
  }),
  "manifest/download": strict({
    carrier: Type.String({ pattern: CARRIER_PATTERN_TEXT }),
    number: Type.String({ pattern: FLIGHT_NUMBER_PATTERN_TEXT }),
    date: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }),
    trolleyId: Type.String({ minLength: 1, maxLength: LIMITS.trolleyIdBytesMax }),
  }),
  "manifest/import": strict({
    manifestBase64: Type.String({ maxLength: Math.ceil((LIMITS.manifestBytesMax * 4) / 3) + 4 }),
    trolleyId: Type.String({ minLength: 1, maxLength: LIMITS.trolleyIdBytesMax }),
  }),
  /** Every flight and rotation leg ops assigned this terminal, each with its trolley, in one go. */
  "manifest/load-assigned": Empty,
  "manifest/import-rotation": strict({
    bundleText: Type.String({ maxLength: ROTATION_BUNDLE_CHARS_MAX }),
    trolleyId: Type.String({ minLength: 1, maxLength: LIMITS.trolleyIdBytesMax }),
  }),
  "catalog/list": Empty,
  "crew/login": strict({ crewId: Type.String({ minLength: 1, maxLength: LIMITS.crewIdBytesMax }), pin: Type.String({ maxLength: 8 }) }),
  "crew/logout": Empty,
  "cart/add": strict({ sku: Sku, quantity: Type.Optional(Quantity) }),
  "cart/remove": strict({ sku: Sku }),
  "cart/set": strict({ sku: Sku, quantity: Type.Integer({ minimum: 0, maximum: LIMITS.lineQuantityMax }) }),
  "cart/clear": Empty,
  /** What was scanned: a printed voucher's text or a phone's rotating code (the longer of the two). */
  "sale/charge": strict({ voucherText: Type.String({ maxLength: Math.max(LIMITS.voucherTextCharsMax, LIMITS.rotatingCodeTextCharsMax) }) }),
  "sale/void": strict({ recordId: RecordId, reason: Reason, purser: PurserOverride }),
  "sale/refund": strict({
    recordId: RecordId,
    reason: Reason,
    purser: PurserOverride,
    lines: Type.Array(strict({ sku: Sku, quantity: Quantity }), { minItems: 1, maxItems: LIMITS.recordLinesMax }),
  }),
  "sale/list": Empty,
  "service/report": Empty,
  "service/close": strict({ sealNumber: Type.Optional(Seal), purser: PurserOverride }),
  "service/open-next": strict({ sealNumber: Type.Optional(Seal) }),
  "sync/records": Empty,
  "sync/upload": strict({ batchSizeMax: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.batchRecordsMax })) }),
  "status/get": Empty,
  /** Cabin sync: snapshots another terminal of the flight sends (its own and those it heard), base64url. */
  "cabin/exchange": strict({ snapshots: WireSpendSnapshots }),
  "cabin/status": Empty,
  "cabin/handoff-frames": Empty,
  /** One QR code of another trolley's hand-off, as the scanner read it. */
  "cabin/handoff-scan": strict({ frame: Type.String({ minLength: 1, maxLength: 4_000 }) }),
  "retention/purge": strict({ retentionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })) }),
} as const;

export type TerminalApiInput<K extends keyof typeof TERMINAL_API_INPUTS> = Static<(typeof TERMINAL_API_INPUTS)[K]>;

export interface FlightSummary {
  readonly flightKey: string;
  readonly currency: CurrencyCode;
  readonly trolleyId: string;
  readonly catalogItems: number;
  /** The crew roster of the manifest, for the login screen (never their PIN verifiers). */
  readonly crew: readonly { crewId: string; name: string; role: CrewRole }[];
  readonly serviceClosed: boolean;
  /** Its acknowledged records were removed under the retention rule. */
  readonly recordsPurged: boolean;
  /** Its place in the aircraft's rotation, when it is a leg of one. */
  readonly rotation:
    | {
        readonly legNumber: number;
        readonly legCount: number;
        /** The trolley opened with what the previous leg left (no re-stock). */
        readonly stockCarried: boolean;
        /** The next leg, when it is loaded here: crew open it after closing this one. */
        readonly nextFlightKey: string | undefined;
        /** The next leg opens with what this one leaves (else with a re-stock). */
        readonly nextStockCarried: boolean;
      }
    | undefined;
  readonly sealAtOpen: string | undefined;
  readonly sealAtClose: string | undefined;
}

export interface LoadedFlights {
  readonly current: FlightSummary;
  /** Every flight loaded, in the order flown. */
  readonly flights: readonly FlightSummary[];
}

export interface CatalogItemView {
  readonly sku: string;
  readonly category: string;
  readonly nameEn: string;
  readonly nameZh: string;
  readonly priceMinor: number;
  /** Left on this terminal's trolley. */
  readonly stockLeft: number;
}

export interface CartView {
  readonly lines: { sku: string; nameEn: string; nameZh: string; quantity: number; unitPriceMinor: number }[];
  readonly totalMinor: number;
  readonly currency: string;
}

export interface TerminalStatus {
  readonly enrolled: boolean;
  readonly terminalId: string | undefined;
  readonly flight: FlightSummary | undefined;
  readonly crew: { crewId: string; name: string; role: CrewRole } | undefined;
  readonly cart: CartView | undefined;
  /** Records the ground has not acknowledged yet. */
  readonly unsentRecords: number;
  /** The same, per flight, oldest loaded first: what an upload will send. */
  readonly unsentByFlight: readonly { readonly flightKey: string; readonly records: number }[];
  /**
   * Set when this terminal's records were changed, removed or replaced outside it (found at start,
   * against the anchor kept with the device key): it sells nothing more until ops have looked.
   */
  readonly chainProblem: string | undefined;
  /**
   * Cabin sync, when this terminal has it or the flight shares each voucher between its trolleys:
   * the flight's spend policy, whether every other trolley was heard lately, and each other
   * trolley (heard or expected), how long ago (on the terminal's clock), and whether that is
   * longer than crew should be told.
   */
  readonly cabin: CabinStatusView | undefined;
}

export interface TerminalApi {
  "enrolment/enrol"(input: TerminalApiInput<"enrolment/enrol">): Promise<{ terminalId: string; name: string }>;
  "manifest/download"(input: TerminalApiInput<"manifest/download">): Promise<FlightSummary>;
  "manifest/import"(input: TerminalApiInput<"manifest/import">): Promise<FlightSummary>;
  /** Loads every assigned flight (a rotation's legs), opens the first leg not closed; returns the current flight and all loaded. */
  "manifest/load-assigned"(input: TerminalApiInput<"manifest/load-assigned">): Promise<LoadedFlights>;
  /** The same from the rotation file ops carried to the gate. */
  "manifest/import-rotation"(input: TerminalApiInput<"manifest/import-rotation">): Promise<LoadedFlights>;
  /** The flight's catalog with what is left on this trolley. */
  "catalog/list"(input: TerminalApiInput<"catalog/list">): Promise<CatalogItemView[]>;
  "crew/login"(input: TerminalApiInput<"crew/login">): Promise<LoginResult>;
  "crew/logout"(input: TerminalApiInput<"crew/logout">): Promise<void>;
  "cart/add"(input: TerminalApiInput<"cart/add">): Promise<CartView>;
  "cart/remove"(input: TerminalApiInput<"cart/remove">): Promise<CartView>;
  "cart/set"(input: TerminalApiInput<"cart/set">): Promise<CartView>;
  "cart/clear"(input: TerminalApiInput<"cart/clear">): Promise<CartView>;
  "sale/charge"(input: TerminalApiInput<"sale/charge">): Promise<ChargeResult>;
  "sale/void"(input: TerminalApiInput<"sale/void">): Promise<VoidResult>;
  "sale/refund"(input: TerminalApiInput<"sale/refund">): Promise<RefundResult>;
  /** This flight's sales, newest last, with what was voided or refunded and what still can be. */
  "sale/list"(input: TerminalApiInput<"sale/list">): Promise<SaleListItem[]>;
  /** The service report so far; after close, the end-of-service report. */
  "service/report"(input: TerminalApiInput<"service/report">): Promise<ServiceReport>;
  "service/close"(input: TerminalApiInput<"service/close">): Promise<CloseResult>;
  /** After the close of a leg: the rotation's next leg becomes current, its trolley opened with what was left. */
  "service/open-next"(input: TerminalApiInput<"service/open-next">): Promise<FlightSummary>;
  /** Every flight with unsent records, oldest first, then the current one. */
  "sync/upload"(input: TerminalApiInput<"sync/upload">): Promise<UploadAllSummary>;
  /** The flight's records with the ground's answer for each (after an upload). */
  "sync/records"(input: TerminalApiInput<"sync/records">): Promise<RecordOutcomeItem[]>;
  "status/get"(input: TerminalApiInput<"status/get">): Promise<TerminalStatus>;
  /**
   * Cabin sync: takes the snapshots a peer sends (each checked: certified by our ground, for this
   * flight, newer than what is held) and answers with this terminal's own and those it heard.
   */
  "cabin/exchange"(input: TerminalApiInput<"cabin/exchange">): Promise<CabinExchange>;
  /** Cabin sync: when this terminal last heard from each other terminal of the flight. */
  "cabin/status"(input: TerminalApiInput<"cabin/status">): Promise<CabinStatus>;
  /** Cabin sync with no network: this terminal's snapshots (its own and those it heard) as a loop of QR codes to show. */
  "cabin/handoff-frames"(input: TerminalApiInput<"cabin/handoff-frames">): Promise<{ readonly frames: readonly string[] }>;
  /** Cabin sync with no network: one scanned QR code of another trolley's loop; once all are in, its snapshots are checked and taken. */
  "cabin/handoff-scan"(input: TerminalApiInput<"cabin/handoff-scan">): Promise<HandoffScan>;
  /** Removes acknowledged records of closed services older than the retention period (default 7 days). */
  "retention/purge"(input: TerminalApiInput<"retention/purge">): Promise<PurgeResult>;
}

/** Every handler's name, in one list: the IPC wiring and the browser host are generated from it. */
export const TERMINAL_API_METHODS = Object.keys(TERMINAL_API_INPUTS) as (keyof typeof TERMINAL_API_INPUTS)[];
export type TerminalApiMethod = keyof TerminalApi;

/**
 * Pushed from the core process to the UI: upload progress while a call runs, and word that the
 * terminal's state changed outside the UI (the demo's scripted sale or landing), to show it.
 */
export type TerminalEvent =
  | { readonly type: "sync/progress"; readonly sentRecords: number; readonly totalRecords: number }
  | { readonly type: "status/changed" };

/** What the renderer is given: the API, plus the events it may listen to. */
export interface TerminalBridge {
  readonly api: TerminalApi;
  /** Returns the function that stops listening. */
  onEvent(listener: (event: TerminalEvent) => void): () => void;
}
