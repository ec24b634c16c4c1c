/**
 * Who may call the ground service: passengers (password + session), ops and finance people
 * (password + session, for the web pages) and programs (API keys with a role).
 */
import { sql } from "drizzle-orm";
import { bigint, check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const STAFF_ROLES = ["ops", "finance"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const passengers = pgTable(
  "passengers",
  {
    id: uuid("id").primaryKey(),
    /** Stored lower-cased; unique. */
    email: text("email").notNull(),
    displayName: text("display_name").notNull(),
    /** "scrypt$log2N$r$p$saltB64$hashB64": the PHC-like string of the password verifier. */
    passwordHash: text("password_hash").notNull(),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("passengers_email").on(t.email)],
);

export const sessions = pgTable(
  "sessions",
  {
    /** SHA-256 of the bearer token, hex: a stolen database yields no usable token. */
    tokenHash: text("token_hash").primaryKey(),
    passengerId: uuid("passenger_id")
      .notNull()
      .references(() => passengers.id),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
    expiresAtMs: bigint("expires_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [index("sessions_passenger").on(t.passengerId)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey(),
    name: text("name").notNull(),
    role: text("role", { enum: STAFF_ROLES }).notNull(),
    /** SHA-256 of the key's secret, hex. */
    secretHash: text("secret_hash").notNull(),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
    revokedAtMs: bigint("revoked_at_ms", { mode: "number" }),
  },
  (t) => [uniqueIndex("api_keys_secret_hash").on(t.secretHash), index("api_keys_active").on(t.id).where(sql`${t.revokedAtMs} IS NULL`)],
);

/** Ops and finance people who use the web pages. */
export const staffUsers = pgTable(
  "staff_users",
  {
    id: uuid("id").primaryKey(),
    /** Stored lower-cased; unique. */
    email: text("email").notNull(),
    displayName: text("display_name").notNull(),
    role: text("role", { enum: STAFF_ROLES }).notNull(),
    passwordHash: text("password_hash").notNull(),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
    disabledAtMs: bigint("disabled_at_ms", { mode: "number" }),
  },
  (t) => [uniqueIndex("staff_users_email").on(t.email), check("staff_users_role", sql`${t.role} IN ('ops', 'finance')`)],
);

export const staffSessions = pgTable(
  "staff_sessions",
  {
    /** SHA-256 of the session token, hex. */
    tokenHash: text("token_hash").primaryKey(),
    staffId: uuid("staff_id")
      .notNull()
      .references(() => staffUsers.id),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
    expiresAtMs: bigint("expires_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [index("staff_sessions_staff").on(t.staffId)],
);
