/** Receipts on the passenger's phone and the reports they send back (TypeBox only: the web pages type-import it). */
import { RECEIPT_TEXT_CHARS_MAX } from "@cabinpay/shared";
import { type Static, Type } from "typebox";
import { Currency, TimeMs, Uuid } from "./common.js";

/** What the phone needs before the flight to check and show receipts offline. */
export const ReceiptCheck = Type.Object({
  /** The ground's certificate keys: key id (hex) → Ed25519 public key (hex). */
  groundKeys: Type.Array(Type.Object({ keyId: Type.String(), publicKey: Type.String() })),
  /** The flight's items, to show a receipt's lines by name. */
  items: Type.Array(Type.Object({ sku: Type.String(), name: Type.String(), nameZh: Type.String() })),
});
export type ReceiptCheckDto = Static<typeof ReceiptCheck>;

export const ReceiptMatch = Type.Union([Type.Literal("received"), Type.Literal("missing"), Type.Literal("differs")], {
  description: "received: the ground holds the record as receipted; missing: it holds nothing; differs: it holds another",
});

export const ReportBody = Type.Object(
  { receipt: Type.String({ minLength: 1, maxLength: RECEIPT_TEXT_CHARS_MAX, description: "The receipt as scanned (CPT1:…)" }) },
  { additionalProperties: false },
);

export const ReportAnswer = Type.Object({
  recordId: Uuid,
  match: ReceiptMatch,
  /** When the report was first kept; null when the ground already had the record (nothing kept). */
  reportedAtMs: Type.Union([TimeMs, Type.Null()]),
});
export type ReportAnswerDto = Static<typeof ReportAnswer>;

export const ReceiptReport = Type.Object({
  recordId: Uuid,
  flightId: Uuid,
  carrier: Type.String(),
  number: Type.String(),
  date: Type.String(),
  passengerName: Type.String(),
  seat: Type.Union([Type.String(), Type.Null()]),
  terminalName: Type.String(),
  kind: Type.Union([Type.Literal("sale"), Type.Literal("void"), Type.Literal("refund")]),
  sequence: Type.Integer(),
  currency: Currency,
  totalMinor: Type.Integer(),
  createdAtMs: TimeMs,
  reportedAtMs: TimeMs,
  match: ReceiptMatch,
  closedAtMs: Type.Union([TimeMs, Type.Null()]),
  closedBy: Type.Union([Type.String(), Type.Null()]),
  closeNote: Type.Union([Type.String(), Type.Null()]),
});
export type ReceiptReportDto = Static<typeof ReceiptReport>;
