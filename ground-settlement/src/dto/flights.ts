/** A flight as the API shows it, to anyone and to ops, and a catalog item as ops send it (TypeBox only). */
import { type Static, Type } from "typebox";
import { CodePolicy, Currency, SpendPolicy, TimeMs, Uuid } from "./common.js";

export const FlightDate = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" });
export const Airport = Type.String({ pattern: "^[A-Z]{3}$" });
/** How a flight is named to people: which, from where to where (statements, finance's lists). */
export const FlightNames = Type.Object({
  carrier: Type.String(),
  number: Type.String(),
  date: Type.String(),
  origin: Type.String(),
  destination: Type.String(),
});
export const FlightBody = Type.Object({
  flightId: Uuid,
  carrier: Type.String(),
  number: Type.String(),
  date: FlightDate,
  origin: Airport,
  destination: Airport,
  currency: Currency,
  departureAtMs: TimeMs,
  capMinorMax: Type.Integer(),
  registrationClosesAtMs: TimeMs,
  /** What pays on board: printed vouchers too, or phones' live codes only. */
  codePolicy: CodePolicy,
  /** What a trolley may approve while it cannot hear the others: the cap, or its share of what is left. */
  spendPolicy: SpendPolicy,
});

// The accounts a passenger may register with besides the flight's currency, at these rates.
export const FlightWithRates = Type.Intersect([
  FlightBody,
  Type.Object({ rates: Type.Array(Type.Object({ currency: Currency, rateMicros: Type.Integer(), source: Type.String() })) }),
]);

export const CatalogItemJson = Type.Object(
  {
    sku: Type.String({ maxLength: 64 }),
    nameEn: Type.String({ maxLength: 400 }),
    nameZh: Type.String({ maxLength: 400 }),
    category: Type.String({ maxLength: 64 }),
    priceMinor: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    stock: Type.Record(Type.String({ maxLength: 32 }), Type.Integer({ minimum: 0, maximum: 65_535 }), { maxProperties: 8 }),
  },
  { additionalProperties: false },
);

/** A flight as the passenger's search shows it, with the rates of the accounts it takes (the register page's type). */
export type FlightWithRatesDto = Static<typeof FlightWithRates>;

/** What ops have set on a flight: catalog with each trolley's opening stock, roster (no PINs), terminals on trolleys. */
export const FlightSetup = Type.Object({
  catalog: Type.Array(
    Type.Object({
      sku: Type.String(),
      nameEn: Type.String(),
      nameZh: Type.String(),
      category: Type.String(),
      priceMinor: Type.Integer(),
      stock: Type.Record(Type.String(), Type.Integer()),
    }),
  ),
  trolleys: Type.Array(Type.String()),
  crew: Type.Array(
    Type.Object({ crewId: Type.String(), name: Type.String(), role: Type.Union([Type.Literal("crew"), Type.Literal("purser")]) }),
  ),
  terminals: Type.Array(Type.Object({ terminalId: Uuid, name: Type.String(), trolleyId: Type.Union([Type.String(), Type.Null()]) })),
});
export type FlightSetupDto = Static<typeof FlightSetup>;
