/**
 * Receipts passengers sent back after landing (issue 19, "the passenger as witness"): a terminal's
 * signed receipt for a record the ground had not received, or received different. The receipt is
 * kept as scanned (the evidence); whether the record has arrived since is computed on every read
 * (`services/receipt-reports.ts`), so a late upload clears it without anyone touching it.
 */
import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { bytea, flights } from "./flights.js";
import { registrations } from "./registrations.js";
import { terminals } from "./terminals.js";

export const receiptReports = pgTable(
  "receipt_reports",
  {
    /** The record the receipt is for: one report per record, whoever sends it again. */
    recordId: uuid("record_id").primaryKey(),
    registrationId: uuid("registration_id")
      .notNull()
      .references(() => registrations.id),
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
    /** The terminal the ground's certificate in the receipt names. */
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    kind: text("kind", { enum: ["sale", "void", "refund"] }).notNull(),
    sequence: integer("sequence").notNull(),
    recordHash: bytea("record_hash").notNull(),
    currency: text("currency").notNull(),
    totalMinor: bigint("total_minor", { mode: "number" }).notNull(),
    /** The terminal's clock when it made the record. */
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
    /** The receipt exactly as the phone scanned it (CPT1:…): the terminal's signature is in it. */
    receiptText: text("receipt_text").notNull(),
    reportedAtMs: bigint("reported_at_ms", { mode: "number" }).notNull(),
    /** Finance looked into it and closed it with a note ("terminal lost its tail: written off"). */
    closedAtMs: bigint("closed_at_ms", { mode: "number" }),
    closedBy: text("closed_by"),
    closeNote: text("close_note"),
  },
  (t) => [
    index("receipt_reports_flight").on(t.flightId),
    index("receipt_reports_registration").on(t.registrationId),
    check("receipt_reports_total_non_negative", sql`${t.totalMinor} >= 0`),
    check("receipt_reports_closed_whole", sql`(${t.closedAtMs} IS NULL) = (${t.closedBy} IS NULL)`),
  ],
);
