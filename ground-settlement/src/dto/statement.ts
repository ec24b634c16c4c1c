/** The passenger's statement as the API answers it (TypeBox only: the web page type-imports it). */
import { type Static, Type } from "typebox";
import { Currency, Reason, TimeMs, Uuid } from "./common.js";
import { FlightNames } from "./flights.js";

export const Statement = Type.Object({
  registrations: Type.Array(
    Type.Object({
      registrationId: Uuid,
      flight: FlightNames,
      /** When the flight's first records reached the ground (null: none yet): receipts are compared from then on. */
      flightLandedAtMs: Type.Union([TimeMs, Type.Null()]),
      currency: Currency,
      saleCurrency: Currency,
      rate: Type.Union([Type.Object({ rateMicros: Type.Integer(), source: Type.String(), text: Type.String() }), Type.Null()]),
      capMinor: Type.Integer(),
      status: Type.String(),
      purchases: Type.Array(
        Type.Object({
          recordId: Uuid,
          recordHash: Type.String({
            pattern: "^[0-9a-f]{64}$",
            description:
              "The record's SHA-256 (hex): what a kept receipt is matched on, since it covers the terminal and the chain position",
          }),
          kind: Type.String(),
          reason: Type.Union([Reason, Type.Null()]),
          atMs: TimeMs,
          items: Type.Array(
            Type.Object({
              sku: Type.String(),
              name: Type.String(),
              nameZh: Type.String(),
              quantity: Type.Integer(),
              unitPriceMinor: Type.Integer(),
            }),
          ),
          totalMinor: Type.Integer(),
          settlement: Type.String(),
          debitedMinor: Type.Integer(),
          refundedMinor: Type.Integer(),
        }),
      ),
      debitedMinor: Type.Integer(),
      holdReleasedMinor: Type.Integer(),
      releasedAtMs: Type.Union([TimeMs, Type.Null()]),
    }),
  ),
});
export type StatementDto = Static<typeof Statement>;
