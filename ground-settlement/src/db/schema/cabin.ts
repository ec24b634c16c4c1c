/**
 * Cabin sync's counters as the terminals carried them down (issue 20): for each terminal of a
 * flight, the newest signed spend snapshot any terminal of the flight uploaded (its own, or one it
 * heard in the cabin). The snapshot is kept as signed (the evidence); whether the ground's records
 * of that terminal agree is computed on every read (`services/cabin-counters.ts`), so a late upload
 * settles it without anyone touching it.
 */
import { sql } from "drizzle-orm";
import { bigint, check, integer, pgTable, primaryKey, uuid } from "drizzle-orm/pg-core";
import { bytea, flights } from "./flights.js";
import { terminals } from "./terminals.js";

export const cabinCounters = pgTable(
  "cabin_counters",
  {
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
    /** The terminal whose counters they are (its certificate, under our key, names it). */
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    /** The snapshot's version: the head of that terminal's chain when it made it. */
    version: integer("version").notNull(),
    bytes: bytea("bytes").notNull(),
    /** The terminal that uploaded it: the author itself, or a peer that heard it. */
    reportedBy: uuid("reported_by")
      .notNull()
      .references(() => terminals.id),
    receivedAtMs: bigint("received_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.flightId, t.terminalId] }), check("cabin_counters_version", sql`${t.version} >= 1`)],
);
