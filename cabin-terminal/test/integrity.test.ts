/**
 * The terminal's chain cannot lose its tail unseen (issue 15, point 4), and a PIN lock-out cannot be
 * lifted by editing the database (point 10): the chain head and the lock-outs are anchored beside
 * the device key, every chain is checked against the anchor when the database opens, and a broken
 * chain sells nothing more, telling crew why.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createNobleSigner, createRecord, decodeRecord, generateSecretKey, newId } from "@cabinpay/shared";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { TerminalApi } from "../src/api/contract.js";
import { createTerminalCore } from "../src/core/api.js";
import { TerminalError } from "../src/core/errors.js";
import { fileKeyStore } from "../src/core/keys/key-store.js";
import { DEPARTURE_MS, enrolledDatabase, manifestBytes, printedVoucher, tempDir } from "./support/fixtures.js";

const IN_FLIGHT = DEPARTURE_MS + 3_600_000;

const voucherText = () => printedVoucher().text;

describe("the chain anchor", () => {
  const open: (TerminalApi & { close(): void })[] = [];
  afterEach(() => {
    for (const core of open.splice(0)) core.close();
  });

  const start = (dir: string) => {
    const core = createTerminalCore({ dataDir: dir, now: () => IN_FLIGHT });
    open.push(core);
    return core;
  };
  const stop = (core: TerminalApi & { close(): void }) => {
    core.close();
    open.splice(open.indexOf(core), 1);
  };

  /** A terminal with a loaded flight and `sales` sales made by the purser. */
  async function sold(sales: number) {
    const dir = tempDir();
    enrolledDatabase(dir).close();
    const core = start(dir);
    await core["manifest/import"]({ manifestBase64: Buffer.from(manifestBytes()).toString("base64"), trolleyId: "A" });
    expect(await core["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: true });
    for (let i = 0; i < sales; i++) {
      await core["cart/add"]({ sku: "DR-COF-300" });
      expect(await core["sale/charge"]({ voucherText: voucherText() })).toMatchObject({ ok: true });
    }
    stop(core);
    return dir;
  }
  const edit = (dir: string, change: (sqlite: Database.Database) => void) => {
    const sqlite = new Database(join(dir, "terminal.db"));
    change(sqlite);
    sqlite.close();
  };
  const run = (statement: string) => (sqlite: Database.Database) => {
    sqlite.prepare(statement).run();
  };
  /** One byte of the record's signed part changed, as an editor of the file would. */
  const flipByte = (sequence: number) => (sqlite: Database.Database) => {
    const { bytes } = sqlite.prepare("SELECT bytes FROM records WHERE sequence = ?").get(sequence) as { bytes: Buffer };
    bytes[bytes.length - 80]! ^= 0x01;
    sqlite.prepare("UPDATE records SET bytes = ? WHERE sequence = ?").run(bytes, sequence);
  };
  const codeOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof TerminalError) return { code: error.code, message: error.message };
      throw error;
    }
    return { code: "no error", message: "" };
  };
  const tryToSell = async (core: TerminalApi) => {
    await core["crew/login"]({ crewId: "C1001", pin: "2468" });
    await core["cart/add"]({ sku: "DR-COF-300" });
    return codeOf(core["sale/charge"]({ voucherText: voucherText() }));
  };

  /** The head sequence the anchor beside the key holds for the flight (the tests have one flight). */
  const anchoredSequence = (dir: string) => {
    const [, anchor] = readFileSync(join(dir, "device.key"), "utf8").split("\n");
    const body = JSON.parse((JSON.parse(anchor!) as { body: string }).body) as { heads: Record<string, { sequence: number }> };
    return Object.values(body.heads)[0]?.sequence;
  };

  it("keeps selling on a chain that is whole, across restarts", async () => {
    const dir = await sold(3);
    const core = start(dir);
    expect((await core["status/get"]({})).chainProblem).toBeUndefined();
    expect(await tryToSell(core)).toEqual({ code: "no error", message: "" });
  });

  it.each([
    ["the last sales deleted", run("DELETE FROM records WHERE sequence >= 2"), /records 2 to 3 were removed/],
    ["a byte of a record changed", flipByte(2), /record 2 was changed/],
    ["the last record's hash replaced", run("UPDATE records SET hash = zeroblob(32) WHERE sequence = 3"), /record 3 was changed/],
    [
      // The check reads a row's hash and bytes as one blob: the same blob, cut elsewhere, is still a change.
      "a record's hash shortened by the byte its bytes gained",
      run("UPDATE records SET hash = substr(hash, 1, 31), bytes = CAST(substr(hash, 32, 1) || bytes AS BLOB) WHERE sequence = 2"),
      /record 2 was changed/,
    ],
    [
      "a record copied in at the end",
      run(
        "INSERT INTO records SELECT 'x', flight_key, 4, kind, voucher_id, referenced_record_id, crew_id, currency, total_minor, lines, created_at_ms, hash, bytes, NULL, NULL, reason FROM records WHERE sequence = 3",
      ),
      /record 4 was changed/,
    ],
  ])("finds %s when the database opens, and sells nothing more", async (_what, change, detail) => {
    const dir = await sold(3);
    edit(dir, change);
    const core = start(dir);
    const status = await core["status/get"]({});
    expect(status.chainProblem).toMatch(detail);
    const refused = await tryToSell(core);
    expect(refused.code).toBe("chain_broken");
    expect(refused.message).toMatch(/^Do not sell on this terminal: .*call ops\.$/);
    expect(await codeOf(core["service/close"]({}))).toMatchObject({ code: "chain_broken" });
    // What is there can still be read for upload.
    expect((await core["sync/records"]({})).length).toBeGreaterThan(0);
  });

  it("keeps the anchor in step with each sale, written on the event loop's next turn after its answer", async () => {
    const dir = await sold(1);
    expect(anchoredSequence(dir)).toBe(1);
    const core = start(dir);
    expect(await tryToSell(core)).toEqual({ code: "no error", message: "" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(anchoredSequence(dir)).toBe(2);
  });

  it("anchors a flight's first record inside its sale, and the ones after on the next turn", async () => {
    const dir = tempDir();
    enrolledDatabase(dir).close();
    const core = start(dir);
    await core["manifest/import"]({ manifestBase64: Buffer.from(manifestBytes()).toString("base64"), trolleyId: "A" });
    // No event-loop turn between the answers and the reads: what is on disk is what a kill would leave.
    expect(await tryToSell(core)).toEqual({ code: "no error", message: "" });
    expect(anchoredSequence(dir)).toBe(1);
    expect(await tryToSell(core)).toEqual({ code: "no error", message: "" });
    expect(anchoredSequence(dir)).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(anchoredSequence(dir)).toBe(2);
  });

  it("answers a sale approved when its anchor cannot be written, and says so in a warning", async () => {
    const dir = tempDir();
    enrolledDatabase(dir).close();
    const keys = fileKeyStore(join(dir, "device.key"));
    const full = {
      ...keys,
      saveAnchor: () => {
        throw new Error("no space left on device");
      },
    };
    const core = createTerminalCore({ dataDir: dir, keyStore: full, now: () => IN_FLIGHT });
    open.push(core);
    const warnings: string[] = [];
    const warned = (warning: Error & { code?: string }) => warnings.push(warning.code ?? "");
    process.on("warning", warned);
    try {
      await core["manifest/import"]({ manifestBase64: Buffer.from(manifestBytes()).toString("base64"), trolleyId: "A" });
      await core["crew/login"]({ crewId: "C1001", pin: "2468" });
      // The first record's anchor is written inside the sale; the second's on the next turn.
      for (let i = 0; i < 2; i++) {
        await core["cart/add"]({ sku: "DR-COF-300" });
        expect(await core["sale/charge"]({ voucherText: voucherText() })).toMatchObject({ ok: true });
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await core["sale/list"]({})).toHaveLength(2);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((code) => code === "CABINPAY_ANCHOR_UNWRITTEN")).toHaveLength(2);
    } finally {
      process.off("warning", warned);
    }
  });

  it("takes the records past the anchor for its own when it signed them (power lost before the anchor reached the disk)", async () => {
    const dir = await sold(1);
    const keyFile = join(dir, "device.key");
    const anchoredAtOne = readFileSync(keyFile, "utf8");
    const core = start(dir);
    for (let i = 0; i < 3; i++) expect(await tryToSell(core)).toEqual({ code: "no error", message: "" });
    stop(core);
    // The file system had not written the last anchors back when the power went.
    writeFileSync(keyFile, anchoredAtOne);
    const after = start(dir);
    expect((await after["status/get"]({})).chainProblem).toBeUndefined();
    expect(anchoredSequence(dir)).toBe(4);
    expect(await tryToSell(after)).toEqual({ code: "no error", message: "" });
  });

  it("finds a record added past the anchor that links but was not signed by this terminal", async () => {
    const dir = await sold(2);
    edit(dir, (sqlite) => {
      const { bytes } = sqlite.prepare("SELECT bytes FROM records WHERE sequence = 2").get() as { bytes: Buffer };
      const last = decodeRecord(new Uint8Array(bytes));
      if (!last.ok) throw new Error(last.detail);
      // Anyone can hash and link a record; only the device key signs it.
      const added = createRecord(
        { ...last.record, recordId: newId(), sequence: 3, previousHash: last.record.hash },
        createNobleSigner(generateSecretKey()),
      );
      sqlite
        .prepare(
          "INSERT INTO records SELECT ?, flight_key, 3, kind, voucher_id, referenced_record_id, crew_id, currency, total_minor, lines, created_at_ms, ?, ?, NULL, NULL, reason FROM records WHERE sequence = 2",
        )
        .run(added.recordId, Buffer.from(added.hash), Buffer.from(added.bytes));
    });
    const core = start(dir);
    expect((await core["status/get"]({})).chainProblem).toMatch(/record 3 was added outside the terminal/);
    expect((await tryToSell(core)).code).toBe("chain_broken");
  });

  it("finds an anchor edited beside the key, and a PIN lock-out that editing cannot lift", async () => {
    const dir = await sold(1);
    const core = start(dir);
    for (let i = 0; i < 5; i++) await core["crew/login"]({ crewId: "C1002", pin: "0000" });
    expect(await core["crew/login"]({ crewId: "C1002", pin: "1357" })).toMatchObject({ ok: false, reason: "locked" });
    stop(core);
    // No table in the database holds the lock-out any more; a restart keeps it.
    const again = start(dir);
    expect(await again["crew/login"]({ crewId: "C1002", pin: "1357" })).toMatchObject({ ok: false, reason: "locked" });
    stop(again);
    // Clearing it in the anchor breaks the anchor's signature: the terminal stops selling.
    const keyFile = join(dir, "device.key");
    const [key, anchor] = readFileSync(keyFile, "utf8").split("\n");
    const outer = JSON.parse(anchor!) as { body: string; signature: string };
    const body = JSON.parse(outer.body) as { lockouts: Record<string, unknown> };
    body.lockouts = {};
    writeFileSync(keyFile, `${key}\n${JSON.stringify({ ...outer, body: JSON.stringify(body) })}\n`);
    const edited = start(dir);
    expect((await edited["status/get"]({})).chainProblem).toMatch(/anchor kept with the device key was altered/);
    expect((await tryToSell(edited)).code).toBe("chain_broken");
  });

  it("does not take a missing anchor for a fresh start while records are unsent", async () => {
    const dir = await sold(2);
    const keyFile = join(dir, "device.key");
    writeFileSync(keyFile, `${readFileSync(keyFile, "utf8").split("\n")[0]}\n`);
    const core = start(dir);
    expect((await core["status/get"]({})).chainProblem).toMatch(/anchor is missing while records are unsent/);
    expect((await tryToSell(core)).code).toBe("chain_broken");
  });
});
