/** Issuer keys, and passengers' registrations for flights: each a hold and a signed voucher. */
import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { bytea, flights } from "./flights.js";
import { passengers } from "./identity.js";
import { accounts, transfers } from "./ledger.js";

export const ISSUER_KEY_STATUSES = ["active", "retired", "revoked"] as const;

export const issuerKeys = pgTable(
  "issuer_keys",
  {
    /** Key id: 16 hex characters, the first 8 bytes of SHA-256 of the public key. */
    keyId: text("key_id").primaryKey(),
    publicKey: bytea("public_key").notNull(),
    /**
     * Exactly one key issues at a time; retired keys stay trusted until their vouchers expire; a
     * revoked key (leaked) is trusted by nothing from its revocation on.
     */
    status: text("status", { enum: ISSUER_KEY_STATUSES }).notNull(),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
    retiredAtMs: bigint("retired_at_ms", { mode: "number" }),
    revokedAtMs: bigint("revoked_at_ms", { mode: "number" }),
    /** Who revoked it (`api-key:…`, `staff:…` or `cli`). */
    revokedBy: text("revoked_by"),
  },
  (t) => [
    check("issuer_keys_status", sql`${t.status} IN ('active', 'retired', 'revoked')`),
    check(
      "issuer_keys_revoked_when_by_whom",
      sql`(${t.status} = 'revoked') = (${t.revokedAtMs} IS NOT NULL AND ${t.revokedBy} IS NOT NULL)`,
    ),
  ],
);

export const registrations = pgTable(
  "registrations",
  {
    /** Also the voucher id. Always chosen by the ground, so no client can pick an id a record names. */
    id: uuid("id").primaryKey(),
    passengerId: uuid("passenger_id")
      .notNull()
      .references(() => passengers.id),
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
    walletAccountId: uuid("wallet_account_id")
      .notNull()
      .references(() => accounts.id),
    holdTransferId: uuid("hold_transfer_id")
      .notNull()
      .references(() => transfers.id),
    /**
     * The hold sales are taken from now: each settled sale posts part of it and holds the rest
     * again, so every pending transfer is still resolved exactly once. Null once released.
     */
    currentHoldTransferId: uuid("current_hold_transfer_id").references(() => transfers.id),
    /** When the flight closed and what was left of the hold was released. */
    releasedAtMs: bigint("released_at_ms", { mode: "number" }),
    capMinor: bigint("cap_minor", { mode: "number" }).notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: ["active", "cancelled"] }).notNull(),
    issuerKeyId: text("issuer_key_id")
      .notNull()
      .references(() => issuerKeys.keyId),
    /** The voucher as drawn in the QR code ("CP2:…"; "CP1:…" for registrations made before v2). */
    voucherText: text("voucher_text").notNull(),
    passengerName: text("passenger_name").notNull(),
    seat: text("seat"),
    /** The passenger's phone key (compressed P-256, 33 bytes) the voucher is bound to; null for a printed voucher. */
    devicePublicKey: bytea("device_public_key"),
    validUntilMs: bigint("valid_until_ms", { mode: "number" }).notNull(),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
    cancelledAtMs: bigint("cancelled_at_ms", { mode: "number" }),
    /**
     * Cancelled after the flight's manifest went out: the voucher is revoked in later manifests,
     * but sales a terminal made offline on an earlier one are still collected from the hold, which
     * is kept until the flight closes.
     */
    holdKeptOnCancel: boolean("hold_kept_on_cancel").notNull().default(false),
    /**
     * The passenger's own idempotency key for the request that made it: the same request again
     * answers with this registration. Scoped to the passenger, so it names nothing of anyone else.
     */
    requestId: uuid("request_id"),
  },
  (t) => [
    // One active registration per passenger and flight, enforced where races cannot get past it.
    uniqueIndex("registrations_one_active").on(t.passengerId, t.flightId).where(sql`${t.status} = 'active'`),
    index("registrations_flight").on(t.flightId),
    uniqueIndex("registrations_request").on(t.passengerId, t.requestId),
    check("registrations_device_key", sql`${t.devicePublicKey} IS NULL OR octet_length(${t.devicePublicKey}) = 33`),
  ],
);
