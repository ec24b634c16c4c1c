/**
 * The answers of finance's flight list and reconciliation, as TypeBox schemas with the types
 * derived from them: the routes declare them, the web pages type-import them (no copies).
 */
import { type Static, Type } from "typebox";
import { Currency, Reason, TimeMs, Uuid } from "./common.js";
import { FlightNames } from "./flights.js";
import { ReceiptReport } from "./receipts.js";

export const StockLine = Type.Object({
  trolleyId: Type.String(),
  sku: Type.String(),
  loaded: Type.Integer(),
  sold: Type.Integer(),
  left: Type.Integer(),
});
/** A stock line as finance sees it: with the item's names (a person reads names, not SKUs). */
const NamedStockLine = Type.Intersect([StockLine, Type.Object({ nameEn: Type.String(), nameZh: Type.String() })]);

const Amount = Type.Object({ count: Type.Integer(), amountMinor: Type.Integer() });
export const Status = Type.Union([
  Type.Literal("open"),
  Type.Literal("landed"),
  Type.Literal("settling"),
  Type.Literal("settled"),
  Type.Literal("needs_attention"),
]);
const CurrencyTotals = Type.Object({
  currency: Currency,
  byCategory: Type.Array(Type.Object({ category: Type.String(), amountMinor: Type.Integer() })),
  byHour: Type.Array(Type.Object({ hour: Type.String(), count: Type.Integer(), amountMinor: Type.Integer() })),
  /** Sales approved on board (before voids and refunds). */
  approved: Amount,
  voids: Amount,
  refunds: Amount,
  /** Voids and refunds by the reason signed in them (null: recorded before reasons); they sum to voids + refunds. */
  byReason: Type.Array(Type.Object({ reason: Type.Union([Reason, Type.Null()]), count: Type.Integer(), amountMinor: Type.Integer() })),
  /** approved − voids − refunds: what every breakdown (category, hour, terminal, crew) adds up to. */
  netMinor: Type.Integer(),
  debited: Type.Object({ fromHoldMinor: Type.Integer(), fromBalanceMinor: Type.Integer(), totalMinor: Type.Integer() }),
  shortfall: Type.Object({ count: Type.Integer(), amountMinor: Type.Integer(), collectedElsewhereMinor: Type.Integer() }),
  failed: Amount,
  pending: Amount,
  rejected: Amount,
  /** Refused at ingest, then collected from the passenger's balance by finance's decision (counted in approved). */
  collectedAfterRefusal: Amount,
  /** Records passengers hold a terminal's signed receipt for that the ground lacks or holds different: not in the figures above. */
  receiptedNotReceived: Type.Object({ sales: Amount, reversals: Amount }),
  voided: Type.Object({ count: Type.Integer(), amountMinor: Type.Integer(), reversedMinor: Type.Integer() }),
  holds: Type.Object({ placed: Amount, releasedMinor: Type.Integer(), cancelled: Type.Integer() }),
});
export const Reconciliation = Type.Object({
  flightId: Uuid,
  status: Status,
  /** Items that need a person, counted as the flight list counts them. */
  attention: Type.Integer({ minimum: 0 }),
  landedAtMs: Type.Union([TimeMs, Type.Null()]),
  closedAtMs: Type.Union([TimeMs, Type.Null()]),
  currencies: Type.Array(CurrencyTotals),
  terminals: Type.Array(
    Type.Object({
      terminalId: Uuid,
      name: Type.String(),
      records: Type.Integer(),
      sales: Amount,
      voids: Amount,
      netMinor: Type.Integer(),
      serviceClosed: Type.Boolean(),
      lastUploadAtMs: Type.Union([TimeMs, Type.Null()]),
    }),
  ),
  crew: Type.Array(
    Type.Object({
      crewId: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
      sales: Amount,
      voids: Amount,
      netMinor: Type.Integer(),
    }),
  ),
  stock: Type.Array(NamedStockLine),
  rates: Type.Array(Type.Object({ currency: Currency, rateMicros: Type.Integer(), source: Type.String(), text: Type.String() })),
  handovers: Type.Array(
    Type.Object({
      terminalId: Uuid,
      terminalName: Type.String(),
      trolleyId: Type.String(),
      sealAtOpen: Type.Union([Type.String(), Type.Null()]),
      sealAtClose: Type.Union([Type.String(), Type.Null()]),
      sealContinuity: Type.Union([Type.Literal("intact"), Type.Literal("broken"), Type.Literal("unknown")]),
      stockMismatches: Type.Array(Type.Object({ sku: Type.String(), reported: Type.Integer(), ground: Type.Integer() })),
    }),
  ),
  rotation: Type.Union([
    Type.Object({ rotationId: Uuid, legNumber: Type.Integer(), legCount: Type.Integer(), stockCarried: Type.Boolean() }),
    Type.Null(),
  ]),
  rejectedBatches: Type.Array(
    Type.Object({ id: Uuid, terminalId: Uuid, reason: Type.String(), detail: Type.String(), receivedAtMs: TimeMs }),
  ),
  /** Receipts passengers sent back (the passenger as witness), with what the ground holds of each record now. */
  receiptReports: Type.Array(ReceiptReport),
});
export type ReconciliationDto = Static<typeof Reconciliation>;

/** A terminal's newest cabin-sync counters for a flight, checked against the ground's records of it (services/cabin-counters.ts). */
export const CabinCounter = Type.Object({
  terminalId: Type.String(),
  terminalName: Type.String(),
  version: Type.Integer(),
  reportedBy: Type.String(),
  receivedAtMs: Type.Integer(),
  status: Type.Union([Type.Literal("agrees"), Type.Literal("waiting"), Type.Literal("disagrees")]),
  recordsCounted: Type.Integer(),
  recordsHeld: Type.Integer(),
  vouchersDiffering: Type.Integer(),
});

export type CabinCounterDto = Static<typeof CabinCounter>;

export const FlightRow = Type.Object({
  flight: Type.Object({ flightId: Uuid, ...FlightNames.properties, currency: Currency, departureAtMs: TimeMs }),
  status: Status,
  pendingSettlements: Type.Integer(),
  attention: Type.Integer(),
  /** In the flight's currency: sales accepted on board, and what was debited for them. */
  approvedMinor: Type.Integer(),
  debitedMinor: Type.Integer(),
});
export type FlightRowDto = Static<typeof FlightRow>;

export const FlightList = Type.Object({ flights: Type.Array(FlightRow) });
