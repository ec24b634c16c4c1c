/**
 * The terminal's database (core process). Every table is STRICT (added to the generated SQL):
 * SQLite then refuses a text where an integer belongs, which matters for money.
 */
import { sql } from "drizzle-orm";
import { blob, check, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** This device's enrolment: one row. The device key itself is kept out of the database. */
export const enrolment = sqliteTable(
  "enrolment",
  {
    id: integer("id").primaryKey(),
    terminalId: text("terminal_id").notNull(),
    name: text("name").notNull(),
    groundUrl: text("ground_url").notNull(),
    /** The ground's manifest key, pinned at enrolment: manifests must be signed by it. */
    manifestPublicKey: blob("manifest_public_key", { mode: "buffer" }).notNull(),
    enrolledAtMs: integer("enrolled_at_ms").notNull(),
    /** The ground's certificate of the device key, renewed with every assignments call: receipts carry it. */
    deviceCertificate: blob("device_certificate", { mode: "buffer" }),
  },
  (t) => [check("enrolment_single_row", sql`${t.id} = 1`)],
);

/** Flights loaded from signed manifests; `flight_key` is "9C8850/2026-12-01". */
export const flights = sqliteTable("flights", {
  flightKey: text("flight_key").primaryKey(),
  manifestId: text("manifest_id").notNull(),
  /** The signed manifest as received: verified again whenever the flight is opened. */
  manifest: blob("manifest", { mode: "buffer" }).notNull(),
  /** The trolley this terminal sells from. */
  trolleyId: text("trolley_id").notNull(),
  loadedAtMs: integer("loaded_at_ms").notNull(),
  /** The leg's rotation and place in it, from the manifest; null for a flight on its own. */
  rotationId: text("rotation_id"),
  legNumber: integer("leg_number"),
  /**
   * When crew started selling it (the flight loaded on its own, or a leg opened in turn): the one
   * opened last is the terminal's current flight.
   */
  openedAtMs: integer("opened_at_ms"),
  /** The trolley's seal numbers as crew read them when the service opened and closed. */
  sealAtOpen: text("seal_at_open"),
  sealAtClose: text("seal_at_close"),
  closedAtMs: integer("closed_at_ms"),
  /** When the ground took the purser's handover (seals and stock left) after the close. */
  handoverSentAtMs: integer("handover_sent_at_ms"),
  /**
   * When the retention rule removed its acknowledged records. The row and the close record stay:
   * they are the chain's head, so the flight can never start a second chain at sequence 1.
   */
  purgedAtMs: integer("purged_at_ms"),
});

/** What is left on this terminal's trolley, per item. */
export const stock = sqliteTable(
  "stock",
  {
    flightKey: text("flight_key")
      .notNull()
      .references(() => flights.flightKey),
    sku: text("sku").notNull(),
    quantity: integer("quantity").notNull(),
  },
  (t) => [primaryKey({ columns: [t.flightKey, t.sku] }), check("stock_non_negative", sql`${t.quantity} >= 0`)],
);

/** Every sale, void, refund and close: the signed chain, as uploaded after landing. */
export const records = sqliteTable(
  "records",
  {
    recordId: text("record_id").primaryKey(),
    flightKey: text("flight_key")
      .notNull()
      .references(() => flights.flightKey),
    sequence: integer("sequence").notNull(),
    kind: text("kind").notNull(),
    voucherId: text("voucher_id").notNull(),
    referencedRecordId: text("referenced_record_id"),
    crewId: text("crew_id").notNull(),
    currency: text("currency").notNull(),
    totalMinor: integer("total_minor").notNull(),
    /** [{ sku, quantity, unitPriceMinor }] for reports; the signed bytes are the truth. */
    lines: text("lines").notNull(),
    /** A void's or refund's reason from the list; null for sales, closes and v1 records. */
    reason: text("reason"),
    createdAtMs: integer("created_at_ms").notNull(),
    hash: blob("hash", { mode: "buffer" }).notNull(),
    bytes: blob("bytes", { mode: "buffer" }).notNull(),
    /** When the ground acknowledged it; nothing is deleted before. */
    uploadedAtMs: integer("uploaded_at_ms"),
    uploadOutcome: text("upload_outcome"),
  },
  (t) => [
    // No index by voucher: nothing reads records by it (a voucher's spend is in voucher_usage), and
    // each index is one more page every sale's durable commit writes (0011_records_no_voucher_index).
    uniqueIndex("records_chain_position").on(t.flightKey, t.sequence),
    check("records_total_non_negative", sql`${t.totalMinor} >= 0`),
  ],
);

/** What each voucher has spent on this terminal: cap minus this is what it may still spend. */
export const voucherUsage = sqliteTable(
  "voucher_usage",
  {
    flightKey: text("flight_key").notNull(),
    voucherId: text("voucher_id").notNull(),
    spentMinor: integer("spent_minor").notNull(),
    /**
     * Cabin sync's grow-only counters (issue 20): what this terminal approved against the voucher
     * and gave back (voids, refunds); spent = approved − given back. Signed into its spend snapshot.
     */
    approvedMinor: integer("approved_minor").notNull().default(0),
    givenBackMinor: integer("given_back_minor").notNull().default(0),
    /**
     * What this terminal had spent on the voucher when it last heard every other trolley: a
     * `share` flight's baseline while apart (`core/sync/allowance.ts`).
     */
    touchSpentMinor: integer("touch_spent_minor").notNull().default(0),
    /** From the voucher, for crew reading the sales list and the report (null for sales before 0005). */
    passengerName: text("passenger_name"),
    seat: text("seat"),
  },
  (t) => [
    primaryKey({ columns: [t.flightKey, t.voucherId] }),
    check("voucher_usage_non_negative", sql`${t.spentMinor} >= 0`),
    check("voucher_usage_counters", sql`${t.givenBackMinor} >= 0 AND ${t.approvedMinor} - ${t.givenBackMinor} = ${t.spentMinor}`),
    check("voucher_usage_touch", sql`${t.touchSpentMinor} >= 0`),
  ],
);

/**
 * Cabin sync: the newest spend snapshot heard from each other terminal of a flight, as received
 * (verified then: its certificate under the pinned ground key, its signature). A newer version
 * replaces the older; the cap check adds what they say each voucher spent there.
 */
export const cabinSnapshots = sqliteTable(
  "cabin_snapshots",
  {
    flightKey: text("flight_key").notNull(),
    terminalId: text("terminal_id").notNull(),
    version: integer("version").notNull(),
    bytes: blob("bytes", { mode: "buffer" }).notNull(),
    receivedAtMs: integer("received_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.flightKey, t.terminalId] }), check("cabin_snapshots_version", sql`${t.version} >= 1`)],
);

/**
 * The rotating codes this terminal took, one row each: a code (voucher, slot, counter) pays once.
 * Kept with the flight's records (retention removes them together).
 */
export const takenCodes = sqliteTable(
  "taken_codes",
  {
    flightKey: text("flight_key").notNull(),
    voucherId: text("voucher_id").notNull(),
    slotStartMs: integer("slot_start_ms").notNull(),
    counter: integer("counter").notNull(),
    /** The sale it paid. */
    recordId: text("record_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.flightKey, t.voucherId, t.slotStartMs, t.counter] })],
);
