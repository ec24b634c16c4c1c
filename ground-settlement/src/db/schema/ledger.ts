/**
 * Double-entry ledger in the style of TigerBeetle: accounts carry running totals, transfers are
 * immutable, ids are chosen by the caller, and a pending transfer is resolved (posted, voided or
 * expired) at most once. Balances and transfers change in one database transaction.
 */
import { sql } from "drizzle-orm";
import { type AnyPgColumn, bigint, boolean, check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const ACCOUNT_KINDS = ["passenger_wallet", "airline_revenue", "inflight_holds", "funding"] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export const TRANSFER_KINDS = ["single", "pending", "post", "void", "expire"] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];

const money = (name: string) => bigint(name, { mode: "number" }).notNull().default(0);

export const accounts = pgTable(
  "accounts",
  {
    id: uuid("id").primaryKey(),
    kind: text("kind", { enum: ACCOUNT_KINDS }).notNull(),
    currency: text("currency").notNull(),
    /** Who the account belongs to: a passenger id for wallets; null for the airline's accounts. */
    ownerId: uuid("owner_id"),
    /** Wallets may never spend more than was credited; the airline's own accounts may. */
    debitsMustNotExceedCredits: boolean("debits_must_not_exceed_credits").notNull(),
    debitsPostedMinor: money("debits_posted_minor"),
    creditsPostedMinor: money("credits_posted_minor"),
    debitsPendingMinor: money("debits_pending_minor"),
    creditsPendingMinor: money("credits_pending_minor"),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [
    check("accounts_currency_iso", sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check(
      "accounts_totals_non_negative",
      sql`${t.debitsPostedMinor} >= 0 AND ${t.creditsPostedMinor} >= 0 AND ${t.debitsPendingMinor} >= 0 AND ${t.creditsPendingMinor} >= 0`,
    ),
    // The last line of defence against overdraw: even a bug cannot commit it.
    check(
      "accounts_no_overdraw",
      sql`NOT ${t.debitsMustNotExceedCredits} OR ${t.debitsPostedMinor} + ${t.debitsPendingMinor} <= ${t.creditsPostedMinor}`,
    ),
    // One wallet per passenger and currency; one airline account per kind and currency.
    uniqueIndex("accounts_owner_kind_currency").on(t.kind, t.currency, sql`coalesce(${t.ownerId}, '00000000-0000-0000-0000-000000000000')`),
  ],
);

export const transfers = pgTable(
  "transfers",
  {
    id: uuid("id").primaryKey(),
    kind: text("kind", { enum: TRANSFER_KINDS }).notNull(),
    debitAccountId: uuid("debit_account_id")
      .notNull()
      .references(() => accounts.id),
    creditAccountId: uuid("credit_account_id")
      .notNull()
      .references(() => accounts.id),
    amountMinor: bigint("amount_minor", { mode: "number" }).notNull(),
    currency: text("currency").notNull(),
    /** For post, void and expire: the pending transfer resolved. Unique: resolved at most once. */
    pendingId: uuid("pending_id").references((): AnyPgColumn => transfers.id),
    /** For pending transfers: when an unresolved hold may be expired. */
    expiresAtMs: bigint("expires_at_ms", { mode: "number" }),
    /** What the money moved for: "funding", "hold", "sale", "release", … */
    code: text("code").notNull(),
    /** The business object behind it (registration id, record id, …) for statements and audits. */
    reference: text("reference"),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [
    check("transfers_amount_positive", sql`${t.amountMinor} > 0`),
    check("transfers_two_accounts", sql`${t.debitAccountId} <> ${t.creditAccountId}`),
    check("transfers_resolution_names_pending", sql`(${t.kind} IN ('post', 'void', 'expire')) = (${t.pendingId} IS NOT NULL)`),
    uniqueIndex("transfers_pending_resolved_once").on(t.pendingId),
    index("transfers_debit_account").on(t.debitAccountId),
    index("transfers_credit_account").on(t.creditAccountId),
    index("transfers_unresolved_expiry").on(t.expiresAtMs).where(sql`${t.kind} = 'pending'`),
  ],
);
