/** Cabin terminals: one-time enrolment codes, enrolled devices, their flights, replay protection. */
import { sql } from "drizzle-orm";
import { bigint, check, index, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { bytea, flights } from "./flights.js";
import { rotations } from "./rotations.js";

export const terminals = pgTable(
  "terminals",
  {
    id: uuid("id").primaryKey(),
    name: text("name").notNull(),
    /** The device's Ed25519 public key: every request and every record is signed with it. */
    publicKey: bytea("public_key").notNull(),
    enrolledAtMs: bigint("enrolled_at_ms", { mode: "number" }).notNull(),
    /** Set when ops revoke the terminal (lost or stolen): its key is refused from then on. */
    revokedAtMs: bigint("revoked_at_ms", { mode: "number" }),
    /** Who revoked it (`api-key:…` or `staff:…`). */
    revokedBy: text("revoked_by"),
  },
  (t) => [check("terminals_revoked_by_whom", sql`(${t.revokedAtMs} IS NULL) = (${t.revokedBy} IS NULL)`)],
);

export const enrolmentCodes = pgTable("enrolment_codes", {
  /** SHA-256 of the one-time code, hex. */
  codeHash: text("code_hash").primaryKey(),
  name: text("name").notNull(),
  /** The flight the terminal is enrolled for at once, if ops named one. */
  flightId: uuid("flight_id").references(() => flights.id),
  /** Or the rotation: the terminal is assigned to every leg of it. */
  rotationId: uuid("rotation_id").references(() => rotations.id),
  /** The trolley it sells from on that flight or rotation (set whenever one of them is). */
  trolleyId: text("trolley_id"),
  createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
  expiresAtMs: bigint("expires_at_ms", { mode: "number" }).notNull(),
  usedAtMs: bigint("used_at_ms", { mode: "number" }),
  terminalId: uuid("terminal_id").references(() => terminals.id),
});

export const terminalFlights = pgTable(
  "terminal_flights",
  {
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
    assignedAtMs: bigint("assigned_at_ms", { mode: "number" }).notNull(),
    /** The trolley it sells from; null only for assignments made before trolleys were tracked. */
    trolleyId: text("trolley_id"),
    /**
     * When ops freed the trolley for another terminal (this one broke or was lost). The terminal
     * keeps its assignment, so what it sold still uploads.
     */
    trolleyReleasedAtMs: bigint("trolley_released_at_ms", { mode: "number" }),
    trolleyReleasedBy: text("trolley_released_by"),
  },
  (t) => [
    primaryKey({ columns: [t.terminalId, t.flightId] }),
    // One terminal per trolley of a flight: two would each sell the same stock.
    uniqueIndex("terminal_flights_one_per_trolley")
      .on(t.flightId, t.trolleyId)
      .where(sql`${t.trolleyId} IS NOT NULL AND ${t.trolleyReleasedAtMs} IS NULL`),
    check("terminal_flights_released_by_whom", sql`(${t.trolleyReleasedAtMs} IS NULL) = (${t.trolleyReleasedBy} IS NULL)`),
  ],
);

/** Nonces of signed terminal requests seen inside the acceptance window: a replay finds its own. */
export const requestNonces = pgTable(
  "request_nonces",
  {
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    nonce: text("nonce").notNull(),
    seenAtMs: bigint("seen_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.terminalId, t.nonce] }), index("request_nonces_seen").on(t.seenAtMs)],
);
