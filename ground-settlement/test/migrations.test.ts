import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, MIGRATIONS_FOLDER, queryRows } from "../src/db/client.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "./support/databases.js";

const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };

/** A migrations folder holding only the first `count` migrations, to apply them one step at a time. */
function migrationsUpTo(count: number): string {
  const folder = mkdtempSync(join(tmpdir(), "cabinpay-migrations-"));
  mkdirSync(join(folder, "meta"));
  const entries = journal.entries.slice(0, count);
  writeFileSync(join(folder, "meta", "_journal.json"), JSON.stringify({ ...journal, entries }));
  for (const entry of entries) copyFileSync(join(MIGRATIONS_FOLDER, `${entry.tag}.sql`), join(folder, `${entry.tag}.sql`));
  return folder;
}

async function fails(db: Database, statement: ReturnType<typeof sql>): Promise<string> {
  try {
    await db.execute(statement);
  } catch (error) {
    // drizzle wraps the driver's error; the constraint or trigger message is in the cause.
    const cause = (error as { cause?: { message?: string } }).cause;
    return cause?.message ?? (error as Error).message;
  }
  throw new Error("statement succeeded but should have been refused");
}

const WALLET = "0193c000-0000-7000-8000-000000000001";
const FUNDING = "0193c000-0000-7000-8000-000000000002";
const PASSENGER = "0193c000-0000-7000-8000-000000000003";
const FLIGHT = "0193c000-0000-7000-8000-000000000004";
const UUID_ZERO = "00000000-0000-0000-0000-000000000000";

/** What each migration must have changed, by its tag. A migration without an entry fails. */
const checks: Record<string, (db: Database) => Promise<void>> = {
  "0000_ledger": async (db) => {
    await db.execute(sql`INSERT INTO accounts (id, kind, currency, debits_must_not_exceed_credits, created_at_ms)
      VALUES (${WALLET}, 'passenger_wallet', 'CNY', true, 0), (${FUNDING}, 'funding', 'CNY', false, 0)`);
    expect(await fails(db, sql`UPDATE accounts SET debits_posted_minor = 1 WHERE id = ${WALLET}`)).toMatch(/accounts_no_overdraw/);
    expect(await fails(db, sql`UPDATE accounts SET currency = 'cny' WHERE id = ${WALLET}`)).toMatch(/accounts_currency_iso/);
    await db.execute(sql`INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, amount_minor, currency, code, created_at_ms)
      VALUES ('0193c000-0000-7000-8000-0000000000f1', 'single', ${FUNDING}, ${WALLET}, 100, 'CNY', 'funding', 0)`);
    expect(
      await fails(
        db,
        sql`INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, amount_minor, currency, code, created_at_ms)
      VALUES ('0193c000-0000-7000-8000-0000000000f2', 'single', ${FUNDING}, ${WALLET}, 0, 'CNY', 'funding', 0)`,
      ),
    ).toMatch(/transfers_amount_positive/);
    expect(
      await fails(
        db,
        sql`INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, amount_minor, currency, code, created_at_ms)
      VALUES ('0193c000-0000-7000-8000-0000000000f3', 'post', ${FUNDING}, ${WALLET}, 5, 'CNY', 'sale', 0)`,
      ),
    ).toMatch(/transfers_resolution_names_pending/);
  },
  "0001_ledger_immutable": async (db) => {
    expect(await fails(db, sql`UPDATE transfers SET amount_minor = 1000000`)).toMatch(/immutable: UPDATE refused/);
    expect(await fails(db, sql`DELETE FROM transfers`)).toMatch(/immutable: DELETE refused/);
    expect(await fails(db, sql`TRUNCATE transfers CASCADE`)).toMatch(/immutable: TRUNCATE refused/);
  },
  "0002_identity": async (db) => {
    await db.execute(
      sql`INSERT INTO passengers (id, email, display_name, password_hash, created_at_ms) VALUES (${PASSENGER}, 'li@example.com', 'Li', 'x', 0)`,
    );
    expect(
      await fails(
        db,
        sql`INSERT INTO passengers (id, email, display_name, password_hash, created_at_ms) VALUES ('0193c000-0000-7000-8000-0000000000a1', 'li@example.com', 'Li', 'x', 0)`,
      ),
    ).toMatch(/passengers_email/);
  },
  "0003_flights": async (db) => {
    const insert = (id: string) =>
      sql`INSERT INTO flights (id, carrier, number, flight_date, origin, destination, currency, departure_at_ms, cap_max_minor, registration_closes_at_ms, created_at_ms)
        VALUES (${id}, '9C', '8850', '2026-12-01', 'PVG', 'CTU', 'CNY', 0, 200000, 0, 0)`;
    await db.execute(insert(FLIGHT));
    expect(await fails(db, insert("0193c000-0000-7000-8000-0000000000b1"))).toMatch(/flights_designator_date/);
    expect(await fails(db, sql`INSERT INTO trolley_stock (flight_id, trolley_id, sku, quantity) VALUES (${FLIGHT}, 'A', 'X', -1)`)).toMatch(
      /trolley_stock_non_negative/,
    );
  },
  "0004_registrations": async (db) => {
    await db.execute(sql`INSERT INTO issuer_keys (key_id, public_key, status, created_at_ms) VALUES ('00', '\\x00', 'active', 0)`);
    await db.execute(sql`INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, amount_minor, currency, code, created_at_ms, expires_at_ms)
      VALUES ('0193c000-0000-7000-8000-0000000000c1', 'pending', ${WALLET}, ${FUNDING}, 10, 'CNY', 'hold', 0, 1)`);
    const register = (id: string) =>
      sql`INSERT INTO registrations (id, passenger_id, flight_id, wallet_account_id, hold_transfer_id, cap_minor, currency, status, issuer_key_id, voucher_text, passenger_name, valid_until_ms, created_at_ms)
        VALUES (${id}, ${PASSENGER}, ${FLIGHT}, ${WALLET}, '0193c000-0000-7000-8000-0000000000c1', 10, 'CNY', 'active', '00', 'CP1:', 'Li', 0, 0)`;
    await db.execute(register("0193c000-0000-7000-8000-0000000000d1"));
    expect(await fails(db, register("0193c000-0000-7000-8000-0000000000d2"))).toMatch(/registrations_one_active/);
  },
  "0005_terminals": async (db) => {
    await db.execute(
      sql`INSERT INTO terminals (id, name, public_key, enrolled_at_ms) VALUES ('0193c000-0000-7000-8000-0000000000e1', 'T1', '\\x00', 0)`,
    );
    const nonce = sql`INSERT INTO request_nonces (terminal_id, nonce, seen_at_ms) VALUES ('0193c000-0000-7000-8000-0000000000e1', 'n1', 0)`;
    await db.execute(nonce);
    expect(await fails(db, nonce)).toMatch(/request_nonces_pkey|duplicate key/);
  },
  "0006_uploads": async (db) => {
    const [registration] = await queryRows<{ current: string | null }>(
      db,
      sql`SELECT current_hold_transfer_id AS current FROM registrations`,
    );
    expect(registration?.current).toBe("0193c000-0000-7000-8000-0000000000c1");
    // As ingest does: the terminal's chain on the flight first, then its records.
    await db.execute(
      sql`INSERT INTO terminal_chains (terminal_id, flight_id, head_sequence, head_hash, last_upload_at_ms) VALUES ('0193c000-0000-7000-8000-0000000000e1', ${FLIGHT}, 1, '\\x00', 0)`,
    );
    const record = (id: string) =>
      sql`INSERT INTO sale_records (id, terminal_id, flight_id, sequence, kind, voucher_id, crew_id, trolley_id, currency, total_minor, lines, created_at_ms, received_at_ms, record_hash, bytes, status)
        VALUES (${id}, '0193c000-0000-7000-8000-0000000000e1', ${FLIGHT}, 1, 'sale', ${UUID_ZERO}, 'C1', 'A', 'CNY', 1, '[]', 0, 0, '\\x00', '\\x00', 'accepted')`;
    await db.execute(record("0193c000-0000-7000-8000-0000000000a7"));
    expect(await fails(db, record("0193c000-0000-7000-8000-0000000000a8"))).toMatch(/sale_records_chain_position/);
    await db.execute(
      sql`INSERT INTO settlements (record_id, flight_id, terminal_id, sequence, status) VALUES ('0193c000-0000-7000-8000-0000000000a7', ${FLIGHT}, '0193c000-0000-7000-8000-0000000000e1', 1, 'pending')`,
    );
    const [pending] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM settlements WHERE status = 'pending'`);
    expect(pending?.n).toBe(1);
  },
  "0007_record_chain_keys": async (db) => {
    const orphan = sql`INSERT INTO sale_records (id, terminal_id, flight_id, sequence, kind, voucher_id, crew_id, trolley_id, currency, total_minor, lines, created_at_ms, received_at_ms, record_hash, bytes, status)
      VALUES ('0193c000-0000-7000-8000-0000000000a9', '0193c000-0000-7000-8000-0000000000e1', '0193c000-0000-7000-8000-0000000000b9', 1, 'sale', ${UUID_ZERO}, 'C1', 'A', 'CNY', 1, '[]', 0, 0, '\\x00', '\\x00', 'accepted')`;
    expect(await fails(db, orphan)).toMatch(/sale_records_chain/);
  },
  "0008_staff_accounts": async (db) => {
    const staff = (id: string, email: string, role: string) =>
      sql`INSERT INTO staff_users (id, email, display_name, role, password_hash, created_at_ms) VALUES (${id}, ${email}, 'S', ${role}, 'x', 0)`;
    await db.execute(staff("0193c000-0000-7000-8000-0000000000c1", "ops@example.com", "ops"));
    expect(await fails(db, staff("0193c000-0000-7000-8000-0000000000c2", "root@example.com", "admin"))).toMatch(/staff_users_role/);
    expect(await fails(db, staff("0193c000-0000-7000-8000-0000000000c3", "ops@example.com", "finance"))).toMatch(/staff_users_email/);
    expect(
      await fails(
        db,
        sql`INSERT INTO staff_sessions (token_hash, staff_id, created_at_ms, expires_at_ms) VALUES ('h', '0193c000-0000-7000-8000-0000000000c9', 0, 1)`,
      ),
    ).toMatch(/staff_sessions_staff_id/);
  },
  "0009_attention_queue": async (db) => {
    // Rows already there keep working: nothing collected elsewhere yet.
    const [row] = await queryRows<{ collected: string }>(
      db,
      sql`SELECT collected_elsewhere_minor::text AS collected FROM settlements LIMIT 1`,
    );
    expect(row?.collected).toBe("0");
    expect(await fails(db, sql`UPDATE settlements SET collected_elsewhere_minor = -1`)).toMatch(/settlements_collected_non_negative/);
    const action = (id: string, record: string, kind: string) =>
      sql`INSERT INTO attention_actions (id, record_id, action, actor, at_ms) VALUES (${id}, ${record}, ${kind}, 'staff:x', 0)`;
    expect(await fails(db, action("0193c000-0000-7000-8000-0000000000d1", "0193c000-0000-7000-8000-0000000000a7", "forgive"))).toMatch(
      /attention_actions_action/,
    );
    expect(await fails(db, action("0193c000-0000-7000-8000-0000000000d2", "0193c000-0000-7000-8000-0000000000d9", "retry"))).toMatch(
      /attention_actions_record_id/,
    );
  },
  "0010_terminal_revocation": async (db) => {
    const terminal = "0193c000-0000-7000-8000-00000000a010";
    await db.execute(sql`INSERT INTO terminals (id, name, public_key, enrolled_at_ms) VALUES (${terminal}, 'T', decode('00', 'hex'), 0)`);
    const [row] = await queryRows<{ revoked: string | null }>(
      db,
      sql`SELECT revoked_at_ms AS revoked FROM terminals WHERE id = ${terminal}`,
    );
    expect(row?.revoked).toBeNull();
    // A revocation always says who did it.
    expect(await fails(db, sql`UPDATE terminals SET revoked_at_ms = 1 WHERE id = ${terminal}`)).toMatch(/terminals_revoked_by_whom/);
    await db.execute(sql`UPDATE terminals SET revoked_at_ms = 1, revoked_by = 'api-key:x' WHERE id = ${terminal}`);
    // For 0011: a sale already debited from the registration its voucher names.
    await db.execute(
      sql`INSERT INTO sale_records (id, terminal_id, flight_id, sequence, kind, voucher_id, crew_id, trolley_id, currency, total_minor, lines, created_at_ms, received_at_ms, record_hash, bytes, status)
        VALUES ('0193c000-0000-7000-8000-00000000a011', '0193c000-0000-7000-8000-0000000000e1', ${FLIGHT}, 2, 'sale', '0193c000-0000-7000-8000-0000000000d1', 'C1', 'A', 'CNY', 1, '[]', 0, 0, '\\x00', '\\x00', 'accepted')`,
    );
    await db.execute(
      sql`INSERT INTO settlements (record_id, flight_id, terminal_id, sequence, status, from_hold_minor) VALUES ('0193c000-0000-7000-8000-00000000a011', ${FLIGHT}, '0193c000-0000-7000-8000-0000000000e1', 2, 'debited', 1)`,
    );
  },
  "0011_money_bound_to_evidence": async (db) => {
    // The debited sale now names the registration it was collected from; the pending one none.
    const rows = await queryRows<{ record_id: string; registration_id: string | null }>(
      db,
      sql`SELECT record_id, registration_id FROM settlements ORDER BY record_id`,
    );
    expect(rows).toEqual([
      { record_id: "0193c000-0000-7000-8000-0000000000a7", registration_id: null },
      { record_id: "0193c000-0000-7000-8000-00000000a011", registration_id: "0193c000-0000-7000-8000-0000000000d1" },
    ]);
    expect(await fails(db, sql`UPDATE settlements SET registration_id = ${UUID_ZERO}`)).toMatch(/settlements_registration_id/);
    // A passenger's request id names one registration.
    await db.execute(sql`UPDATE registrations SET request_id = ${UUID_ZERO}`);
    expect(
      await fails(
        db,
        sql`INSERT INTO registrations (id, passenger_id, flight_id, wallet_account_id, hold_transfer_id, cap_minor, currency, status, issuer_key_id, voucher_text, passenger_name, valid_until_ms, created_at_ms, request_id)
        VALUES ('0193c000-0000-7000-8000-00000000a012', ${PASSENGER}, ${FLIGHT}, ${WALLET}, '0193c000-0000-7000-8000-0000000000c1', 10, 'CNY', 'cancelled', '00', 'CP1:', 'Li', 0, 0, ${UUID_ZERO})`,
      ),
    ).toMatch(/registrations_request/);
    // For 0012: a terminal assigned to the flight at 7.
    await db.execute(
      sql`INSERT INTO terminal_flights (terminal_id, flight_id, assigned_at_ms) VALUES ('0193c000-0000-7000-8000-0000000000e1', ${FLIGHT}, 7)`,
    );
  },
  "0012_cancel_after_manifest": async (db) => {
    // A flight with a terminal may have been served a manifest: its cancels keep their holds.
    const [flight] = await queryRows<{ at: string | null }>(
      db,
      sql`SELECT first_manifest_at_ms::text AS at FROM flights WHERE id = ${FLIGHT}`,
    );
    expect(flight?.at).toBe("7");
    const [registration] = await queryRows<{ kept: boolean }>(db, sql`SELECT hold_kept_on_cancel AS kept FROM registrations LIMIT 1`);
    expect(registration?.kept).toBe(false);
  },
  "0013_issuer_key_revocation": async (db) => {
    expect(await fails(db, sql`UPDATE issuer_keys SET status = 'lost'`)).toMatch(/issuer_keys_status/);
    // A revocation always says when and who.
    expect(await fails(db, sql`UPDATE issuer_keys SET status = 'revoked'`)).toMatch(/issuer_keys_revoked_when_by_whom/);
    expect(await fails(db, sql`UPDATE issuer_keys SET revoked_at_ms = 1, revoked_by = 'cli'`)).toMatch(/issuer_keys_revoked_when_by_whom/);
    await db.execute(sql`UPDATE issuer_keys SET status = 'revoked', revoked_at_ms = 1, revoked_by = 'cli'`);
  },
  "0014_deployment_identity": async (db) => {
    // Made by the migration itself, once, random: the database is the deployment.
    const rows = await queryRows<{ id: number; deployment_id: string }>(db, sql`SELECT id, deployment_id FROM deployment`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.deployment_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await fails(db, sql`INSERT INTO deployment (id, deployment_id, created_at_ms) VALUES (2, ${UUID_ZERO}, 0)`)).toMatch(
      /deployment_single_row/,
    );
  },
  "0015_rotations_and_trolleys": async (db) => {
    // The assignment made for 0012 predates trolleys: it stays, with none.
    const [old] = await queryRows<{ trolley: string | null }>(db, sql`SELECT trolley_id AS trolley FROM terminal_flights`);
    expect(old?.trolley).toBeNull();
    await db.execute(sql`UPDATE terminal_flights SET trolley_id = 'A'`);
    await db.execute(
      sql`INSERT INTO terminals (id, name, public_key, enrolled_at_ms) VALUES ('0193c000-0000-7000-8000-0000000000e2', 'T2', '\\x01', 0)`,
    );
    const second = sql`INSERT INTO terminal_flights (terminal_id, flight_id, assigned_at_ms, trolley_id) VALUES ('0193c000-0000-7000-8000-0000000000e2', ${FLIGHT}, 8, 'A')`;
    expect(await fails(db, second)).toMatch(/terminal_flights_one_per_trolley/);
    // Released by ops (and by whom, always), trolley A takes another terminal.
    expect(await fails(db, sql`UPDATE terminal_flights SET trolley_released_at_ms = 9`)).toMatch(/terminal_flights_released_by_whom/);
    await db.execute(sql`UPDATE terminal_flights SET trolley_released_at_ms = 9, trolley_released_by = 'staff:ops'`);
    await db.execute(second);
    const rotation = "0193c000-0000-7000-8000-0000000000f9";
    await db.execute(
      sql`INSERT INTO rotations (id, aircraft, service_date, created_at_ms, created_by) VALUES (${rotation}, 'B-1234', '2026-12-01', 0, 'cli')`,
    );
    await db.execute(sql`INSERT INTO rotation_legs (rotation_id, leg_number, flight_id) VALUES (${rotation}, 1, ${FLIGHT})`);
    expect(await fails(db, sql`INSERT INTO rotation_legs (rotation_id, leg_number, flight_id) VALUES (${rotation}, 2, ${FLIGHT})`)).toMatch(
      /rotation_legs_one_rotation_per_flight/,
    );
    expect(await fails(db, sql`INSERT INTO rotation_legs (rotation_id, leg_number, flight_id) VALUES (${rotation}, 9, ${FLIGHT})`)).toMatch(
      /rotation_legs_leg_number/,
    );
  },
  "0016_trolley_handovers": async (db) => {
    // A handover belongs to a chain the ground holds (0006 made terminal e1's on the flight).
    const handover = (terminalId: string) =>
      sql`INSERT INTO trolley_handovers (terminal_id, flight_id, trolley_id, seal_at_open, seal_at_close, stock_left, received_at_ms)
        VALUES (${terminalId}, ${FLIGHT}, 'A', 'SL-1', 'SL-2', '[]', 0)`;
    await db.execute(handover("0193c000-0000-7000-8000-0000000000e1"));
    expect(await fails(db, handover("0193c000-0000-7000-8000-0000000000e2"))).toMatch(
      /trolley_handovers_terminal_id_flight_id_terminal_chains/,
    );
  },
  "0017_flight_rates": async (db) => {
    const rate = (currency: string, rateMicros: number) =>
      sql`INSERT INTO flight_rates (flight_id, currency, rate_micros, source, set_at_ms, set_by) VALUES (${FLIGHT}, ${currency}, ${rateMicros}, 'treasury', 0, 'cli')`;
    await db.execute(rate("HKD", 1_096_000));
    expect(await fails(db, rate("HKD", 1_000_000))).toMatch(/flight_rates_pkey|flight_rates_flight_id_currency_pk|duplicate key/);
    expect(await fails(db, rate("USD", 0))).toMatch(/flight_rates_positive/);
  },
  "0018_attention_write_off": async (db) => {
    // Rows already there are not written off; finance may now record a write-off, and nothing else new.
    const [row] = await queryRows<{ writtenOff: string | null }>(
      db,
      sql`SELECT written_off_at_ms::text AS "writtenOff" FROM settlements LIMIT 1`,
    );
    expect(row).toEqual({ writtenOff: null });
    const action = (id: string, kind: string) =>
      sql`INSERT INTO attention_actions (id, record_id, action, actor, at_ms) VALUES (${id}, '0193c000-0000-7000-8000-0000000000a7', ${kind}, 'staff:x', 0)`;
    await db.execute(action("0193c000-0000-7000-8000-0000000000d3", "written_off"));
    expect(await fails(db, action("0193c000-0000-7000-8000-0000000000d4", "forgive"))).toMatch(/attention_actions_action/);
  },
  "0019_reversal_reason": async (db) => {
    // Records already held (v1) have no reason; a new void may carry one from the list, a sale none.
    const [held] = await queryRows<{ reasons: number }>(db, sql`SELECT count(reason)::int AS reasons FROM sale_records`);
    expect(held).toEqual({ reasons: 0 });
    const record = (id: string, sequence: number, kind: string, reason: string) =>
      sql`INSERT INTO sale_records (id, terminal_id, flight_id, sequence, kind, voucher_id, referenced_record_id, crew_id, trolley_id, currency, total_minor, lines, reason, created_at_ms, received_at_ms, record_hash, bytes, status)
        VALUES (${id}, '0193c000-0000-7000-8000-0000000000e1', ${FLIGHT}, ${sequence}, ${kind}, ${UUID_ZERO}, '0193c000-0000-7000-8000-0000000000a7', 'C1', 'A', 'CNY', 1, '[]', ${reason}, 0, 0, '\\x00', '\\x00', 'accepted')`;
    await db.execute(record("0193c000-0000-7000-8000-00000000a019", 19, "void", "wrong_item"));
    expect(await fails(db, record("0193c000-0000-7000-8000-00000000a020", 20, "void", "bored"))).toMatch(/sale_records_reason/);
    expect(await fails(db, record("0193c000-0000-7000-8000-00000000a021", 21, "sale", "damaged"))).toMatch(/sale_records_reason/);
  },
  "0020_collect_refused": async (db) => {
    // Finance may now record collecting a refused sale from the balance; the earlier actions still hold, nothing else.
    const action = (id: string, kind: string) =>
      sql`INSERT INTO attention_actions (id, record_id, action, actor, at_ms) VALUES (${id}, '0193c000-0000-7000-8000-0000000000a7', ${kind}, 'staff:x', 0)`;
    await db.execute(action("0193c000-0000-7000-8000-0000000000d5", "collected_from_balance"));
    await db.execute(action("0193c000-0000-7000-8000-0000000000d6", "retry"));
    expect(await fails(db, action("0193c000-0000-7000-8000-0000000000d7", "forgive"))).toMatch(/attention_actions_action/);
  },
  "0021_rotating_codes": async (db) => {
    // Records already held paid with no code; a code pays once among accepted sales, a rejected copy is kept as evidence.
    const [held] = await queryRows<{ codes: number }>(db, sql`SELECT count(code_slot_start_ms)::int AS codes FROM sale_records`);
    expect(held).toEqual({ codes: 0 });
    const sale = (id: string, sequence: number, status: string) =>
      sql`INSERT INTO sale_records (id, terminal_id, flight_id, sequence, kind, voucher_id, crew_id, trolley_id, currency, total_minor, lines, code_slot_start_ms, code_counter, created_at_ms, received_at_ms, record_hash, bytes, status)
        VALUES (${id}, '0193c000-0000-7000-8000-0000000000e1', ${FLIGHT}, ${sequence}, 'sale', '0193c000-0000-7000-8000-0000000000c1', 'C1', 'A', 'CNY', 1, '[]', 1796000010000, 7, 0, 0, '\\x00', '\\x00', ${status})`;
    await db.execute(sale("0193c000-0000-7000-8000-00000000a031", 31, "accepted"));
    await db.execute(sale("0193c000-0000-7000-8000-00000000a032", 32, "rejected"));
    expect(await fails(db, sale("0193c000-0000-7000-8000-00000000a033", 33, "accepted"))).toMatch(/sale_records_code_once/);
  },
  "0022_device_bound_vouchers": async (db) => {
    // Registrations made before were printed vouchers (no phone key); a key is 33 bytes or none.
    const [held] = await queryRows<{ keys: number }>(db, sql`SELECT count(device_public_key)::int AS keys FROM registrations`);
    expect(held).toEqual({ keys: 0 });
    const setKey = (hex: string) => sql`UPDATE registrations SET device_public_key = decode(${hex}, 'hex')`;
    await db.execute(setKey(`02${"11".repeat(32)}`));
    expect(await fails(db, setKey("0211"))).toMatch(/registrations_device_key/);
  },
  "0023_code_policy": async (db) => {
    // Flights already there take printed vouchers, as before; a policy is one of the two.
    const [row] = await queryRows<{ policy: string }>(db, sql`SELECT code_policy AS policy FROM flights WHERE id = ${FLIGHT}`);
    expect(row).toEqual({ policy: "printed_accepted" });
    await db.execute(sql`UPDATE flights SET code_policy = 'codes_only' WHERE id = ${FLIGHT}`);
    expect(await fails(db, sql`UPDATE flights SET code_policy = 'anything' WHERE id = ${FLIGHT}`)).toMatch(/flights_code_policy/);
  },
  "0024_receipt_reports": async (db) => {
    // A passenger's receipt for a record the ground lacks: one per record; closed by someone, or open.
    const report = (recordId: string, closed: string) =>
      sql`INSERT INTO receipt_reports (record_id, registration_id, flight_id, terminal_id, kind, sequence, record_hash, currency, total_minor, created_at_ms, receipt_text, reported_at_ms, closed_at_ms, closed_by)
        VALUES (${recordId}, '0193c000-0000-7000-8000-0000000000d1', ${FLIGHT}, '0193c000-0000-7000-8000-0000000000e1', 'sale', 9, '\\x00', 'CNY', 500, 0, 'CPT1:', 0, ${closed === "" ? null : 1}, ${closed === "" ? null : closed})`;
    await db.execute(report("0193c000-0000-7000-8000-00000000b001", ""));
    await db.execute(report("0193c000-0000-7000-8000-00000000b002", "staff:x"));
    expect(await fails(db, report("0193c000-0000-7000-8000-00000000b001", ""))).toMatch(/receipt_reports_pkey/);
    expect(
      await fails(db, sql`UPDATE receipt_reports SET closed_by = NULL WHERE record_id = '0193c000-0000-7000-8000-00000000b002'`),
    ).toMatch(/receipt_reports_closed_whole/);
  },
  "0025_flight_spend_policy": async (db) => {
    // Flights already there let each trolley allow the cap while apart, as before; a policy is one of the two.
    const [row] = await queryRows<{ policy: string }>(db, sql`SELECT spend_policy AS policy FROM flights WHERE id = ${FLIGHT}`);
    expect(row).toEqual({ policy: "full" });
    await db.execute(sql`UPDATE flights SET spend_policy = 'share' WHERE id = ${FLIGHT}`);
    expect(await fails(db, sql`UPDATE flights SET spend_policy = 'half' WHERE id = ${FLIGHT}`)).toMatch(/flights_spend_policy/);
  },
  "0026_cabin_counters": async (db) => {
    // One snapshot per terminal of a flight, of a known terminal, from version 1.
    const counters = (terminal: string, version: number) =>
      sql`INSERT INTO cabin_counters (flight_id, terminal_id, version, bytes, reported_by, received_at_ms)
        VALUES (${FLIGHT}, ${terminal}, ${version}, '\\x01', '0193c000-0000-7000-8000-0000000000e1', 0)`;
    await db.execute(counters("0193c000-0000-7000-8000-0000000000e2", 3));
    expect(await fails(db, counters("0193c000-0000-7000-8000-0000000000e2", 4))).toMatch(/cabin_counters_flight_id_terminal_id_pk/);
    expect(await fails(db, counters("0193c000-0000-7000-8000-0000000000e1", 0))).toMatch(/cabin_counters_version/);
    expect(await fails(db, counters("0193c000-0000-7000-8000-0000000000ff", 1))).toMatch(/cabin_counters_terminal_id_terminals_id_fk/);
  },
  "0027_sale_records_flight_voucher": async (db) => {
    // One index by flight and voucher where there were one by flight and one by voucher; the records stay.
    const indexes = await queryRows<{ name: string; definition: string }>(
      db,
      sql`SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'sale_records' AND indexname LIKE 'sale_records_%' ORDER BY indexname`,
    );
    expect(indexes.map((i) => i.name)).toEqual([
      "sale_records_chain_position",
      "sale_records_code_once",
      "sale_records_flight_voucher",
      "sale_records_pkey",
    ]);
    expect(indexes.find((i) => i.name === "sale_records_flight_voucher")!.definition).toMatch(/\(flight_id, voucher_id\)/);
  },
  "0028_sale_records_terminal_record_id": async (db) => {
    // Records already held are keyed by their terminal's own id; a terminal's own id names one of its records.
    const [held] = await queryRows<{ rekeyed: number }>(db, sql`SELECT count(terminal_record_id)::int AS rekeyed FROM sale_records`);
    expect(held).toEqual({ rekeyed: 0 });
    const record = (id: string, sequence: number, terminalRecordId: string) =>
      sql`INSERT INTO sale_records (id, terminal_record_id, terminal_id, flight_id, sequence, kind, voucher_id, crew_id, trolley_id, currency, total_minor, lines, created_at_ms, received_at_ms, record_hash, bytes, status)
        VALUES (${id}, ${terminalRecordId}, '0193c000-0000-7000-8000-0000000000e1', ${FLIGHT}, ${sequence}, 'sale', ${UUID_ZERO}, 'C1', 'A', 'CNY', 1, '[]', 0, 0, '\\x00', '\\x00', 'accepted')`;
    await db.execute(record("0193c000-0000-7000-8000-00000000a041", 41, "0193c000-0000-7000-8000-00000000a031"));
    expect(await fails(db, record("0193c000-0000-7000-8000-00000000a042", 42, "0193c000-0000-7000-8000-00000000a031"))).toMatch(
      /sale_records_terminal_record_id/,
    );
  },
};

describe.each(ENGINES)("ground migrations on %s", (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine, { migrate: false });
  });
  afterAll(async () => {
    await database.drop();
  });

  it("every migration in the journal has a test, and every test a migration", () => {
    expect(journal.entries.map((entry) => entry.tag)).toEqual(Object.keys(checks));
  });

  // One step at a time, in journal order: each check sees the database just after its migration
  // (later checks rely on rows the earlier ones inserted, as real data would be there).
  it.each(Object.keys(checks).map((tag, index) => [tag, index] as const))("%s does what it says", async (tag, index) => {
    const folder = migrationsUpTo(index + 1);
    try {
      await database.handle.migrate(folder);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    await checks[tag]!(database.handle.db);
  });

  it("applying the migrations again changes nothing", async () => {
    await database.handle.migrate();
    const [tables] = await queryRows<{ n: number }>(
      database.handle.db,
      sql`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    expect(tables?.n).toBe(29);
  });
});
