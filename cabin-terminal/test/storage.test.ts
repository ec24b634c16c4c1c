import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSecretKey, issueVoucher, money, newId } from "@cabinpay/shared";
import { createNodeSigner } from "@cabinpay/shared/node";
import { afterEach, describe, expect, it } from "vitest";
import { COMMITS_PER_CHECKPOINT } from "../src/core/db/checkpoint.js";
import { openTerminalDatabase, TERMINAL_MIGRATIONS } from "../src/core/db/open.js";
import { enrolled } from "../src/core/enrolment.js";
import { TerminalError } from "../src/core/errors.js";
import { loadFlight } from "../src/core/flight/load.js";
import { encryptedFileKeyStore, fileKeyStore, type StringCipher } from "../src/core/keys/key-store.js";
import { charge } from "../src/core/sales/sell.js";
import { DEPARTURE_MS, enrolledDatabase, FLIGHT, issuerKey, manifestBytes, tempDir } from "./support/fixtures.js";

const journal = JSON.parse(readFileSync(join(TERMINAL_MIGRATIONS, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };

const errorCode = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TerminalError) return error.code;
    throw error;
  }
  return "no error";
};

describe("the terminal database", () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it("is durable: WAL, synchronous FULL, foreign keys on", () => {
    const opened = enrolledDatabase();
    closers.push(opened.close);
    expect(opened.sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(opened.sqlite.pragma("synchronous", { simple: true })).toBe(2); // FULL
    expect(opened.sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
  });

  it("copies the WAL into the database between sales, every hundred sales, not inside one", async () => {
    const opened = enrolledDatabase();
    closers.push(opened.close);
    const catalog = [
      { sku: "DR-COF-300", category: "drink", nameEn: "Hot Coffee", nameZh: "热咖啡", priceMinor: 2_000, stockByTrolley: { A: 500 } },
    ];
    const flight = loadFlight(opened.db, {
      manifestBytes: manifestBytes({ catalog, trolleys: ["A"] }),
      trolleyId: "A",
      nowMs: DEPARTURE_MS,
    });
    const seller = {
      terminalId: newId(),
      signer: createNodeSigner(generateSecretKey()),
      crew: { crewId: "C1002", role: "crew" as const },
      newId,
    };
    const claims = { voucherId: newId(), accountRef: newId(), flight: FLIGHT, cap: money(10_000_000, "CNY") };
    const { text } = issueVoucher(
      { ...claims, validFromMs: DEPARTURE_MS - 3_600_000, validUntilMs: DEPARTURE_MS + 86_400_000, passengerName: "WAL/TEST" },
      issuerKey,
    );
    // In WAL mode the database file grows only when a checkpoint copies pages into it.
    const databaseBytes = () => statSync(opened.path).size;
    const sell = () =>
      expect(charge(opened.db, flight, seller, [{ sku: "DR-COF-300", quantity: 1 }], text, DEPARTURE_MS + 60_000).ok).toBe(true);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    opened.sqlite.pragma("wal_checkpoint(TRUNCATE)");
    const before = databaseBytes();
    for (let i = 1; i < COMMITS_PER_CHECKPOINT; i++) sell();
    await turn();
    expect(databaseBytes()).toBe(before);
    sell();
    // The hundredth sale's answer came before the checkpoint: nothing was copied inside it.
    expect(databaseBytes()).toBe(before);
    await turn();
    expect(databaseBytes()).toBeGreaterThan(before);
  });

  it("has only STRICT tables, created by migrations that each have a check", () => {
    const opened = enrolledDatabase();
    closers.push(opened.close);
    const tables = opened.sqlite
      .prepare(
        "select name, strict from pragma_table_list where schema = 'main' and name not like 'sqlite_%' and name not like '__drizzle%'",
      )
      .all() as { name: string; strict: number }[];
    expect(tables.length).toBe(7);
    for (const table of tables) expect(table, table.name).toMatchObject({ strict: 1 });
    expect(journal.entries.map((e) => e.tag)).toEqual([
      "0000_initial",
      "0001_retention",
      "0002_lockouts_in_anchor",
      "0003_rotation_legs",
      "0004_handover_sent",
      "0005_voucher_passenger",
      "0006_reversal_reason",
      "0007_taken_codes",
      "0008_device_certificate",
      "0009_cabin_sync",
      "0010_cabin_touch",
      "0011_records_no_voucher_index",
    ]);
    // 0000_initial: the rules the schema promises.
    expect(() => opened.sqlite.prepare("insert into stock (flight_key, sku, quantity) values ('x', 'y', 1)").run()).toThrow(/FOREIGN KEY/);
    expect(() =>
      opened.sqlite.prepare("insert into voucher_usage (flight_key, voucher_id, spent_minor) values ('x', 'y', 'twelve')").run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    // Money never becomes a float: 12.50 is refused too.
    expect(() =>
      opened.sqlite.prepare("insert into voucher_usage (flight_key, voucher_id, spent_minor) values ('x', 'y', 12.5)").run(),
    ).toThrow(/cannot store REAL value in INTEGER column/);
    expect(() =>
      opened.sqlite
        .prepare(
          "insert into enrolment (id, terminal_id, name, ground_url, manifest_public_key, enrolled_at_ms) values (2, 't', 'n', 'u', x'00', 0)",
        )
        .run(),
    ).toThrow(/enrolment_single_row/);
  });

  it("migrates a database of each earlier version without losing what it holds", () => {
    // A terminal still on 0000_initial, with a loaded flight and a sale on it.
    const upTo = (tag: string) => {
      const folder = tempDir();
      const entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag === tag) + 1);
      mkdirSync(join(folder, "meta"));
      writeFileSync(join(folder, "meta", "_journal.json"), JSON.stringify({ ...journal, entries }));
      for (const entry of entries) copyFileSync(join(TERMINAL_MIGRATIONS, `${entry.tag}.sql`), join(folder, `${entry.tag}.sql`));
      return folder;
    };
    const path = join(tempDir(), "terminal.db");
    const old = openTerminalDatabase(path, { migrationsFolder: upTo("0000_initial") });
    old.sqlite
      .prepare(
        "insert into flights (flight_key, manifest_id, manifest, trolley_id, loaded_at_ms, closed_at_ms) values (?, ?, x'01', 'A', 1, 2)",
      )
      .run("9C8850/2026-12-01", "m1");
    expect(old.sqlite.prepare("select * from flights").all()[0]).not.toHaveProperty("purged_at_ms");
    old.sqlite
      .prepare(
        `insert into records (record_id, flight_key, sequence, kind, voucher_id, referenced_record_id, crew_id, currency, total_minor, lines, created_at_ms, hash, bytes)
         values ('r2', '9C8850/2026-12-01', 2, 'void', 'v1', 'r1', 'C1001', 'CNY', 100, '[]', 1, x'00', x'01')`,
      )
      .run();
    old.sqlite.prepare("insert into crew_lockouts (flight_key, crew_id, failed_attempts) values ('9C8850/2026-12-01', 'C1002', 3)").run();
    old.sqlite.prepare("insert into voucher_usage (flight_key, voucher_id, spent_minor) values ('9C8850/2026-12-01', 'v1', 100)").run();
    old.close();
    // 0001_retention: flights gain purged_at_ms, empty for what was there.
    const now = openTerminalDatabase(path);
    closers.push(now.close);
    expect(now.sqlite.prepare("select flight_key, closed_at_ms, purged_at_ms from flights").all()).toEqual([
      { flight_key: "9C8850/2026-12-01", closed_at_ms: 2, purged_at_ms: null },
    ]);
    expect(() => now.sqlite.prepare("update flights set purged_at_ms = 'soon'").run()).toThrow(/cannot store TEXT value in INTEGER column/);
    // 0002_lockouts_in_anchor: the lock-outs left the database for the anchor beside the device key.
    expect(now.sqlite.prepare("select name from sqlite_master where name = 'crew_lockouts'").all()).toEqual([]);
    expect(now.sqlite.prepare("select count(*) as n from flights").get()).toEqual({ n: 1 });
    // 0003_rotation_legs: a flight loaded before was opened when loaded (it stays current), and is no leg of a rotation.
    expect(now.sqlite.prepare("select opened_at_ms, rotation_id, leg_number, seal_at_open from flights").all()).toEqual([
      { opened_at_ms: 1, rotation_id: null, leg_number: null, seal_at_open: null },
    ]);
    // 0004_handover_sent: a service closed before handovers existed counts as handed over (at its close).
    expect(now.sqlite.prepare("select handover_sent_at_ms from flights").all()).toEqual([{ handover_sent_at_ms: 2 }]);
    // 0005_voucher_passenger: a voucher's name and seat beside what it spent; none for usage recorded before.
    expect(now.sqlite.prepare("select passenger_name, seat from voucher_usage").all()).toEqual([{ passenger_name: null, seat: null }]);
    // 0006_reversal_reason: a void stored before reasons were signed (a v1 record) has none, and keeps its bytes.
    expect(now.sqlite.prepare("select record_id, reason, bytes from records").all()).toEqual([
      { record_id: "r2", reason: null, bytes: Buffer.from([1]) },
    ]);
    // 0007_taken_codes: a rotating code pays once (its voucher, slot and counter), integers only.
    const take = now.sqlite.prepare(
      "insert into taken_codes (flight_key, voucher_id, slot_start_ms, counter, record_id) values ('9C8850/2026-12-01', 'v1', ?, 7, 'r9')",
    );
    take.run(1_796_000_000_000);
    expect(() => take.run(1_796_000_000_000)).toThrow(/UNIQUE constraint failed/);
    expect(() => take.run("soon")).toThrow(/cannot store TEXT value in INTEGER column/);
    // 0008_device_certificate: an enrolment made before has no certificate yet (the next assignments bring one).
    now.sqlite
      .prepare(
        "insert into enrolment (id, terminal_id, name, ground_url, manifest_public_key, enrolled_at_ms) values (1, 't', 'n', 'u', x'00', 0)",
      )
      .run();
    expect(now.sqlite.prepare("select device_certificate from enrolment").get()).toEqual({ device_certificate: null });
    // 0009_cabin_sync: what a voucher spent before counts as approved, nothing given back; the counters always add up.
    expect(now.sqlite.prepare("select spent_minor, approved_minor, given_back_minor from voucher_usage").all()).toEqual([
      { spent_minor: 100, approved_minor: 100, given_back_minor: 0 },
    ]);
    expect(() => now.sqlite.prepare("update voucher_usage set spent_minor = 50").run()).toThrow(/voucher_usage_counters/);
    const snapshot = now.sqlite.prepare(
      "insert into cabin_snapshots (flight_key, terminal_id, version, bytes, received_at_ms) values ('9C8850/2026-12-01', 't2', ?, x'01', 0)",
    );
    expect(() => snapshot.run(0)).toThrow(/cabin_snapshots_version/);
    snapshot.run(1);
    expect(() => snapshot.run(2)).toThrow(/UNIQUE constraint failed/);
    // 0010_cabin_touch: no voucher was in touch before; the baseline is whole minor units, never below zero.
    expect(now.sqlite.prepare("select touch_spent_minor from voucher_usage").all()).toEqual([{ touch_spent_minor: 0 }]);
    expect(() => now.sqlite.prepare("update voucher_usage set touch_spent_minor = -1").run()).toThrow(/voucher_usage_touch/);
    expect(() => now.sqlite.prepare("update voucher_usage set touch_spent_minor = 'x'").run()).toThrow(/cannot store TEXT/);
    // 0011_records_no_voucher_index: records keep only the indexes something reads by; the record stays.
    const indexes = now.sqlite
      .prepare("select name from sqlite_master where type = 'index' and tbl_name = 'records' and sql is not null")
      .all();
    expect(indexes).toEqual([{ name: "records_chain_position" }]);
    expect(now.sqlite.prepare("select count(*) as n from records").get()).toEqual({ n: 1 });
  });

  it("keeps what it stored across a reopen, and migrating again changes nothing", () => {
    const opened = enrolledDatabase();
    const before = enrolled(opened.db);
    opened.close();
    const again = openTerminalDatabase(opened.path);
    closers.push(again.close);
    expect(enrolled(again.db)).toEqual(before);
  });

  it("refuses a damaged file with a clear error instead of crashing", () => {
    const path = join(tempDir(), "terminal.db");
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    expect(errorCode(() => openTerminalDatabase(path))).toBe("database_damaged");
    const opened = enrolledDatabase();
    opened.close();
    // Scribble over the middle of a real database file.
    const bytes = readFileSync(opened.path);
    bytes.fill(0xff, 4096, 8192);
    writeFileSync(opened.path, bytes);
    expect(errorCode(() => openTerminalDatabase(opened.path))).toBe("database_damaged");
  });

  it("says so when the terminal is not enrolled", () => {
    const opened = openTerminalDatabase(join(tempDir(), "fresh.db"));
    closers.push(opened.close);
    expect(errorCode(() => enrolled(opened.db))).toBe("not_enrolled");
  });
});

describe("the device key store", () => {
  it("keeps the key in a 0600 file, outside the database", () => {
    const path = join(tempDir(), "keys", "device.key");
    const store = fileKeyStore(path);
    expect(store.load()).toBeUndefined();
    const secret = crypto.getRandomValues(new Uint8Array(32));
    store.save(secret);
    expect(store.load()).toEqual(secret);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("refuses a damaged key file", () => {
    const path = join(tempDir(), "device.key");
    writeFileSync(path, "not a key");
    expect(errorCode(() => fileKeyStore(path).load())).toBe("key_store_damaged");
  });

  /**
   * The app passes Electron's safeStorage, which cannot run here. This keychain implements the
   * same three methods with AES-256-GCM under a key held in memory, as the OS keychain holds its own.
   */
  function keychain(available = true): StringCipher {
    const key = randomBytes(32);
    return {
      isEncryptionAvailable: () => available,
      encryptString(plainText) {
        const iv = randomBytes(12);
        const cipher = createCipheriv("aes-256-gcm", key, iv);
        const body = Buffer.concat([cipher.update(plainText, "utf8"), cipher.final()]);
        return Buffer.concat([iv, cipher.getAuthTag(), body]);
      },
      decryptString(encrypted) {
        const decipher = createDecipheriv("aes-256-gcm", key, encrypted.subarray(0, 12));
        decipher.setAuthTag(encrypted.subarray(12, 28));
        return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString("utf8");
      },
    };
  }

  it("keeps the key encrypted by the keychain in the app: the file alone does not give it away", () => {
    const path = join(tempDir(), "keys", "device.key.enc");
    const cipher = keychain();
    const store = encryptedFileKeyStore(path, cipher);
    expect(store.load()).toBeUndefined();
    const secret = crypto.getRandomValues(new Uint8Array(32));
    store.save(secret);
    expect(encryptedFileKeyStore(path, cipher).load()).toEqual(secret);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const onDisk = readFileSync(path);
    expect(onDisk.toString("latin1")).not.toContain(Buffer.from(secret).toString("hex"));
    expect(onDisk.includes(Buffer.from(secret))).toBe(false);
    // Copied to another device (another keychain), or scribbled on: refused with what to do.
    expect(errorCode(() => encryptedFileKeyStore(path, keychain()).load())).toBe("key_store_damaged");
    writeFileSync(path, Buffer.from(onDisk.map((byte, i) => (i === 20 ? byte ^ 1 : byte))));
    expect(errorCode(() => encryptedFileKeyStore(path, cipher).load())).toBe("key_store_damaged");
  });

  it("says so when the keychain is locked, and writes nothing", () => {
    const path = join(tempDir(), "device.key.enc");
    const store = encryptedFileKeyStore(path, keychain(false));
    expect(errorCode(() => store.save(new Uint8Array(32)))).toBe("key_store_unavailable");
    expect(store.load()).toBeUndefined();
  });
});
