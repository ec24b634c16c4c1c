/**
 * The statements a sale runs, prepared once per database connection: building SQL through the
 * query builder on every sale cost more than the commit itself (docs/terminal.md, Performance).
 */
import type Database from "better-sqlite3";
import type { TerminalDb } from "../db/open.js";

export interface SalesStatements {
  readonly closedAt: Database.Statement<[string], { closed_at_ms: number | null }>;
  readonly usage: Database.Statement<[string, string], { spent_minor: number }>;
  readonly stockOf: Database.Statement<[string, string], { quantity: number }>;
  readonly head: Database.Statement<[string], { sequence: number; hash: Buffer }>;
  readonly insertRecord: Database.Statement<unknown[]>;
  readonly changeStock: Database.Statement<[number, string, string]>;
  /** A sale's charge: spent and approved (cabin sync's grow-only counter) both grow by `amount`. */
  readonly addUsage: Database.Statement<[{ flight: string; voucher: string; amount: number; name: string; seat: string | null }]>;
  /** A void's or refund's: spent shrinks, given back (the other grow-only counter) grows. */
  readonly giveBackUsage: Database.Statement<[{ flight: string; voucher: string; amount: number }]>;
  /** flight, voucher, slot start, counter: whether this rotating code already paid here. */
  readonly codeTaken: Database.Statement<[string, string, number, number], { record_id: string }>;
  /** flight, voucher, slot start, counter, the sale it paid. */
  readonly takeCode: Database.Statement<[string, string, number, number, string]>;
  /** Runs `work` in one transaction (better-sqlite3's own, made once: the query builder's costs a sale 15 µs). */
  atomically<T>(work: () => T): T;
}

const prepared = new WeakMap<Database.Database, SalesStatements>();

export function salesStatements(db: TerminalDb): SalesStatements {
  const sqlite = db.$client;
  let statements = prepared.get(sqlite);
  if (statements === undefined) {
    const inTransaction = sqlite.transaction((work: () => unknown) => work());
    statements = {
      atomically: <T>(work: () => T) => inTransaction(work) as T,
      closedAt: sqlite.prepare("SELECT closed_at_ms FROM flights WHERE flight_key = ?"),
      usage: sqlite.prepare("SELECT spent_minor FROM voucher_usage WHERE flight_key = ? AND voucher_id = ?"),
      stockOf: sqlite.prepare("SELECT quantity FROM stock WHERE flight_key = ? AND sku = ?"),
      head: sqlite.prepare("SELECT sequence, hash FROM records WHERE flight_key = ? ORDER BY sequence DESC LIMIT 1"),
      insertRecord: sqlite.prepare(
        `INSERT INTO records (record_id, flight_key, sequence, kind, voucher_id, referenced_record_id, crew_id, currency, total_minor, lines, reason, created_at_ms, hash, bytes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      changeStock: sqlite.prepare("UPDATE stock SET quantity = quantity + ? WHERE flight_key = ? AND sku = ?"),
      addUsage: sqlite.prepare(
        `INSERT INTO voucher_usage (flight_key, voucher_id, spent_minor, approved_minor, passenger_name, seat) VALUES (@flight, @voucher, @amount, @amount, @name, @seat)
         ON CONFLICT (flight_key, voucher_id) DO UPDATE SET spent_minor = spent_minor + @amount, approved_minor = approved_minor + @amount,
           passenger_name = excluded.passenger_name, seat = excluded.seat`,
      ),
      giveBackUsage: sqlite.prepare(
        `UPDATE voucher_usage SET spent_minor = spent_minor - @amount, given_back_minor = given_back_minor + @amount
         WHERE flight_key = @flight AND voucher_id = @voucher`,
      ),
      codeTaken: sqlite.prepare(
        "SELECT record_id FROM taken_codes WHERE flight_key = ? AND voucher_id = ? AND slot_start_ms = ? AND counter = ?",
      ),
      takeCode: sqlite.prepare(
        "INSERT INTO taken_codes (flight_key, voucher_id, slot_start_ms, counter, record_id) VALUES (?, ?, ?, ?, ?)",
      ),
    };
    prepared.set(sqlite, statements);
  }
  return statements;
}

export function isServiceClosed(db: TerminalDb, flightKey: string): boolean {
  return (salesStatements(db).closedAt.get(flightKey)?.closed_at_ms ?? null) !== null;
}
