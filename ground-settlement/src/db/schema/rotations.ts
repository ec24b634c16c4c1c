/**
 * Rotations: one aircraft's legs of a day, in order (PVG→CTU→PVG→SZX). Terminals load every leg at
 * once and sell them in turn offline; a trolley's stock at a leg's close opens the next leg.
 */
import { sql } from "drizzle-orm";
import { bigint, check, integer, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { flights } from "./flights.js";

export const rotations = pgTable("rotations", {
  id: uuid("id").primaryKey(),
  /** The aircraft's registration ("B-1234"), as ops and crew name it. */
  aircraft: text("aircraft").notNull(),
  /** The day of the rotation, YYYY-MM-DD, local at the first origin. */
  serviceDate: text("service_date").notNull(),
  createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
  createdBy: text("created_by").notNull(),
});

export const rotationLegs = pgTable(
  "rotation_legs",
  {
    rotationId: uuid("rotation_id")
      .notNull()
      .references(() => rotations.id),
    /** 1 for the first leg flown, then +1 each. */
    legNumber: integer("leg_number").notNull(),
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
  },
  (t) => [
    primaryKey({ columns: [t.rotationId, t.legNumber] }),
    // A flight is flown in one rotation: its stock and trolleys come from one chain of legs.
    uniqueIndex("rotation_legs_one_rotation_per_flight").on(t.flightId),
    check("rotation_legs_leg_number", sql`${t.legNumber} BETWEEN 1 AND 8`),
  ],
);
