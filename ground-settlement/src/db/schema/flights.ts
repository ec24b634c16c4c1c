/** Flights, what is sold on them (catalog and trolley stock) and who sells it (crew roster). */
import { CODE_POLICIES, SPEND_POLICIES } from "@cabinpay/shared";
import { sql } from "drizzle-orm";
import { bigint, check, customType, integer, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
  // pg returns Buffer (a Uint8Array); PGlite returns Uint8Array: one shape for callers.
  fromDriver: (value) => new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
});

export const flights = pgTable(
  "flights",
  {
    id: uuid("id").primaryKey(),
    carrier: text("carrier").notNull(),
    number: text("number").notNull(),
    /** Scheduled departure date, local at the origin, YYYY-MM-DD. */
    flightDate: text("flight_date").notNull(),
    origin: text("origin").notNull(),
    destination: text("destination").notNull(),
    currency: text("currency").notNull(),
    departureAtMs: bigint("departure_at_ms", { mode: "number" }).notNull(),
    capMinorMax: bigint("cap_max_minor", { mode: "number" }).notNull(),
    /** Registration closes at this time; later registrations are refused. */
    registrationClosesAtMs: bigint("registration_closes_at_ms", { mode: "number" }).notNull(),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
    /**
     * When a terminal was first served this flight's manifest: from then on any voucher of the
     * flight not revoked in it can be spent offline, so a cancel keeps the hold until the close.
     */
    firstManifestAtMs: bigint("first_manifest_at_ms", { mode: "number" }),
    /** The first upload after landing. */
    landedAtMs: bigint("landed_at_ms", { mode: "number" }),
    /** Closed: every settlement done and what was left of every hold released. */
    closedAtMs: bigint("closed_at_ms", { mode: "number" }),
    /** What pays on board (carried in the manifest): printed vouchers too, or phones' live codes only. */
    codePolicy: text("code_policy", { enum: CODE_POLICIES }).notNull().default("printed_accepted"),
    /** What a trolley may approve while it cannot hear the others (carried in the manifest): the cap, or its share. */
    spendPolicy: text("spend_policy", { enum: SPEND_POLICIES }).notNull().default("full"),
  },
  (t) => [
    uniqueIndex("flights_designator_date").on(t.carrier, t.number, t.flightDate),
    check("flights_cap_positive", sql`${t.capMinorMax} > 0`),
    check("flights_code_policy", sql`${t.codePolicy} IN (${sql.raw(CODE_POLICIES.map((p) => `'${p}'`).join(", "))})`),
    check("flights_spend_policy", sql`${t.spendPolicy} IN (${sql.raw(SPEND_POLICIES.map((p) => `'${p}'`).join(", "))})`),
  ],
);

export const catalogItems = pgTable(
  "catalog_items",
  {
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
    sku: text("sku").notNull(),
    category: text("category").notNull(),
    nameEn: text("name_en").notNull(),
    nameZh: text("name_zh").notNull(),
    priceMinor: bigint("price_minor", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.flightId, t.sku] }), check("catalog_price_non_negative", sql`${t.priceMinor} >= 0`)],
);

export const trolleyStock = pgTable(
  "trolley_stock",
  {
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
    trolleyId: text("trolley_id").notNull(),
    sku: text("sku").notNull(),
    quantity: integer("quantity").notNull(),
  },
  (t) => [primaryKey({ columns: [t.flightId, t.trolleyId, t.sku] }), check("trolley_stock_non_negative", sql`${t.quantity} >= 0`)],
);

export const crewMembers = pgTable(
  "crew_members",
  {
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
    crewId: text("crew_id").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: ["crew", "purser"] }).notNull(),
    pinLog2N: integer("pin_log2n").notNull(),
    pinR: integer("pin_r").notNull(),
    pinP: integer("pin_p").notNull(),
    pinSalt: bytea("pin_salt").notNull(),
    pinHash: bytea("pin_hash").notNull(),
  },
  (t) => [primaryKey({ columns: [t.flightId, t.crewId] })],
);

/**
 * The rates a flight sells at into other account currencies (a CNY voucher on a HKD leg), as
 * carried in its signed manifest: `rateMicros` account minor units per 1,000,000 sale minor units.
 * Fixed once a manifest was served, so the terminals and settlement convert with the same number.
 */
export const flightRates = pgTable(
  "flight_rates",
  {
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
    currency: text("currency").notNull(),
    rateMicros: bigint("rate_micros", { mode: "number" }).notNull(),
    source: text("source").notNull(),
    setAtMs: bigint("set_at_ms", { mode: "number" }).notNull(),
    setBy: text("set_by").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.flightId, t.currency] }),
    check("flight_rates_positive", sql`${t.rateMicros} BETWEEN 1 AND 1000000000000`),
  ],
);
