/**
 * What terminals upload after landing: their sale records exactly as received (the signed bytes
 * are the evidence), each record's settlement, the head of each terminal's chain per flight, and
 * rejected batches kept for finance.
 */
import { REVERSAL_REASONS } from "@cabinpay/shared";
import { sql } from "drizzle-orm";
import { bigint, check, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { bytea, flights } from "./flights.js";
import { registrations } from "./registrations.js";
import { terminals } from "./terminals.js";

export const terminalChains = pgTable(
  "terminal_chains",
  {
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
    headSequence: integer("head_sequence").notNull(),
    headHash: bytea("head_hash").notNull(),
    /** Set when the terminal's close record arrived: its service on this flight has ended. */
    closedAtMs: bigint("closed_at_ms", { mode: "number" }),
    lastUploadAtMs: bigint("last_upload_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.terminalId, t.flightId] })],
);

export const RECORD_STATUSES = ["accepted", "rejected"] as const;

export const saleRecords = pgTable(
  "sale_records",
  {
    /** The ground's key of the record: the terminal's own record id, unless another terminal's record held it first. */
    id: uuid("id").primaryKey(),
    /**
     * The terminal's own record id, where the ground keys the record otherwise (`id` is then one the
     * ground chose): another terminal's upload held it first, a leaked key's taking an id read off
     * a receipt, say. Null for every other record: `id` is the terminal's.
     */
    terminalRecordId: uuid("terminal_record_id"),
    terminalId: uuid("terminal_id").notNull(),
    flightId: uuid("flight_id").notNull(),
    sequence: integer("sequence").notNull(),
    kind: text("kind", { enum: ["sale", "void", "refund", "close"] }).notNull(),
    voucherId: uuid("voucher_id").notNull(),
    referencedRecordId: uuid("referenced_record_id"),
    crewId: text("crew_id").notNull(),
    trolleyId: text("trolley_id").notNull(),
    currency: text("currency").notNull(),
    totalMinor: bigint("total_minor", { mode: "number" }).notNull(),
    /** [{ sku, quantity, unitPriceMinor }] as signed. */
    lines: jsonb("lines").$type<{ sku: string; quantity: number; unitPriceMinor: number }[]>().notNull(),
    /** A void's or refund's reason as signed (record format v2); null for sales, closes and v1 records. */
    reason: text("reason", { enum: REVERSAL_REASONS }),
    /** A sale paid with a phone's rotating code: the code's slot and counter (its signature is in `bytes`). */
    codeSlotStartMs: bigint("code_slot_start_ms", { mode: "number" }),
    codeCounter: bigint("code_counter", { mode: "number" }),
    /** The terminal's clock when it made the record. */
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
    receivedAtMs: bigint("received_at_ms", { mode: "number" }).notNull(),
    recordHash: bytea("record_hash").notNull(),
    /** The record exactly as signed by the terminal. */
    bytes: bytea("bytes").notNull(),
    /** `rejected`: in an intact chain, but not to be settled (forged or revoked voucher, …). */
    status: text("status", { enum: RECORD_STATUSES }).notNull(),
    rejectReason: text("reject_reason"),
  },
  (t) => [
    // A record belongs to its terminal's chain on the flight (which references both): one check
    // per row instead of two.
    foreignKey({
      name: "sale_records_chain",
      columns: [t.terminalId, t.flightId],
      foreignColumns: [terminalChains.terminalId, terminalChains.flightId],
    }),
    uniqueIndex("sale_records_chain_position").on(t.terminalId, t.flightId, t.sequence),
    // A terminal's own id names one of its records, also where the ground keys it otherwise; only
    // those few rows have an entry, so a landing wave's inserts pay nothing for it.
    uniqueIndex("sale_records_terminal_record_id").on(t.terminalId, t.terminalRecordId).where(sql`${t.terminalRecordId} IS NOT NULL`),
    // By flight, and by voucher within its flight (every voucher lookup names the flight): one
    // index where there were two, one insert less for each of a landing wave's records.
    index("sale_records_flight_voucher").on(t.flightId, t.voucherId),
    // A rotating code pays once: never two accepted sales with one voucher, slot and counter.
    uniqueIndex("sale_records_code_once")
      .on(t.voucherId, t.codeSlotStartMs, t.codeCounter)
      .where(sql`${t.codeSlotStartMs} IS NOT NULL AND ${t.status} = 'accepted'`),
    // Only a void or refund has a reason, and only one from the list (what the codec decoded).
    check(
      "sale_records_reason",
      sql`${t.reason} IS NULL OR (${t.kind} IN ('void', 'refund') AND ${t.reason} IN (${sql.raw(REVERSAL_REASONS.map((r) => `'${r}'`).join(", "))}))`,
    ),
  ],
);

export const SETTLEMENT_STATUSES = ["pending", "debited", "shortfall", "reversed", "failed", "rejected"] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

/** One per sale, void or refund record. `pending` rows are the outbox the sweeper enqueues. */
export const settlements = pgTable(
  "settlements",
  {
    recordId: uuid("record_id")
      .primaryKey()
      .references(() => saleRecords.id),
    /** The record's flight, copied for the per-flight queries (the record's key already checks it). */
    flightId: uuid("flight_id").notNull(),
    terminalId: uuid("terminal_id").notNull(),
    sequence: integer("sequence").notNull(),
    status: text("status", { enum: SETTLEMENT_STATUSES }).notNull(),
    /**
     * For a settled sale: the registration it was collected from. Its voids and refunds credit this
     * registration's wallet and no other, whatever voucher id they carry.
     */
    registrationId: uuid("registration_id").references(() => registrations.id),
    /** Collected from the voucher's hold. */
    fromHoldMinor: bigint("from_hold_minor", { mode: "number" }).notNull().default(0),
    /** Collected from the wallet's available balance (over the cap, or the hold was gone). */
    fromBalanceMinor: bigint("from_balance_minor", { mode: "number" }).notNull().default(0),
    /** Not collected: for finance. */
    shortfallMinor: bigint("shortfall_minor", { mode: "number" }).notNull().default(0),
    /** Given back by a void or refund. */
    reversedMinor: bigint("reversed_minor", { mode: "number" }).notNull().default(0),
    /** Of the shortfall, what finance recorded as collected outside CabinPay (cash, card). */
    collectedElsewhereMinor: bigint("collected_elsewhere_minor", { mode: "number" }).notNull().default(0),
    reason: text("reason"),
    /**
     * When finance accepted what was not collected as a loss (a refused sale, a failed settlement,
     * a shortfall), with a note in attention_actions: it leaves the queue, and is counted apart.
     */
    writtenOffAtMs: bigint("written_off_at_ms", { mode: "number" }),
    enqueuedAtMs: bigint("enqueued_at_ms", { mode: "number" }),
    settledAtMs: bigint("settled_at_ms", { mode: "number" }),
  },
  (t) => [
    index("settlements_pending").on(t.terminalId, t.flightId, t.sequence).where(sql`${t.status} = 'pending'`),
    index("settlements_flight_status").on(t.flightId, t.status),
    // Not bounded by the shortfall: a void uploaded later may still forgive what was collected.
    check("settlements_collected_non_negative", sql`${t.collectedElsewhereMinor} >= 0`),
  ],
);

/** Batches refused whole (tampered, forged, forked): kept as evidence for finance. */
export const rejectedBatches = pgTable(
  "rejected_batches",
  {
    id: uuid("id").primaryKey(),
    terminalId: uuid("terminal_id")
      .notNull()
      .references(() => terminals.id),
    flightId: uuid("flight_id")
      .notNull()
      .references(() => flights.id),
    receivedAtMs: bigint("received_at_ms", { mode: "number" }).notNull(),
    reason: text("reason").notNull(),
    detail: text("detail").notNull(),
    chainIndex: integer("chain_index"),
    chainReason: text("chain_reason"),
    bytes: bytea("bytes").notNull(),
  },
  (t) => [index("rejected_batches_flight").on(t.flightId)],
);

/**
 * What a person may do about an item: retry a parked settlement, record a shortfall collected
 * elsewhere, accept it as a loss, or collect a refused sale from its passenger's balance.
 */
export const ATTENTION_ACTIONS = ["retry", "collected_elsewhere", "written_off", "collected_from_balance"] as const;

/** What finance did about a settlement needing attention, and who: the queue's audit trail. */
export const attentionActions = pgTable(
  "attention_actions",
  {
    id: uuid("id").primaryKey(),
    recordId: uuid("record_id")
      .notNull()
      .references(() => saleRecords.id),
    action: text("action", { enum: ATTENTION_ACTIONS }).notNull(),
    /** "api-key:<id>" or "staff:<id>". */
    actor: text("actor").notNull(),
    note: text("note"),
    amountMinor: bigint("amount_minor", { mode: "number" }).notNull().default(0),
    atMs: bigint("at_ms", { mode: "number" }).notNull(),
  },
  (t) => [
    index("attention_actions_record").on(t.recordId),
    check("attention_actions_action", sql`${t.action} IN (${sql.raw(ATTENTION_ACTIONS.map((a) => `'${a}'`).join(", "))})`),
  ],
);

/**
 * The purser's handover at a leg's close, as the terminal reported it (signed request): the
 * trolley's seal numbers when its service opened and closed, and what it says is left. The
 * ground's own count (`services/leg-stock.ts`) is the truth; this is compared with it.
 */
export const trolleyHandovers = pgTable(
  "trolley_handovers",
  {
    terminalId: uuid("terminal_id").notNull(),
    flightId: uuid("flight_id").notNull(),
    trolleyId: text("trolley_id").notNull(),
    sealAtOpen: text("seal_at_open"),
    sealAtClose: text("seal_at_close"),
    /** [{ sku, quantity }] left on the trolley, as the terminal counted it. */
    stockLeft: jsonb("stock_left").$type<{ sku: string; quantity: number }[]>().notNull(),
    receivedAtMs: bigint("received_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.terminalId, t.flightId] }),
    // Only a chain the ground holds has a handover.
    foreignKey({ columns: [t.terminalId, t.flightId], foreignColumns: [terminalChains.terminalId, terminalChains.flightId] }),
  ],
);
