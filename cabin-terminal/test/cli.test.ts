/**
 * The CLI against the real ground service: enrol, load, log in, sell, refund, void, close and
 * upload, then the ground holds exactly those records and settles them to the fen. Plus the
 * executable itself, spawned as ops would run it.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { saleRecords } from "@cabinpay/ground-settlement/internal/db/schema/uploads";
import { bearer, call, DEPARTURE_MS } from "@cabinpay/ground-settlement/testing/actors";
import { assertMoneyInvariants, settled, startWorker, waitFor } from "@cabinpay/ground-settlement/testing/settle";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT, runTerminalCli } from "../src/cli/run.js";
import { openTerminalDatabase } from "../src/core/db/open.js";
import { records } from "../src/core/db/schema.js";
import { tempDir } from "./support/fixtures.js";
import { type GroundWithFlight, groundWithFlight } from "./support/ground.js";

const PURSER = ["--crew", "C1001", "--pin", "2468"];
const CREW = ["--crew", "C1002", "--pin", "1357"];

describe("the terminal CLI", () => {
  let ground: GroundWithFlight;
  let dataDir: string;

  beforeAll(async () => {
    ground = await groundWithFlight({ capMinor: 40_000, seat: "12C", displayName: "WU/HAO MR" });
    dataDir = tempDir();
  });
  afterAll(async () => {
    await ground.t.close();
  });

  /** Runs one command in-process, on the ground's clock; returns the exit code and what it printed. */
  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runTerminalCli(["--data-dir", dataDir, ...argv], {
      env: {},
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      now: () => ground.t.clock.nowMs,
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }
  const json = async (...argv: string[]) => {
    const result = await cli("--json", ...argv);
    if (result.out === "") throw new Error(`no output: ${result.err}`);
    return { code: result.code, body: JSON.parse(result.out) };
  };

  it("runs a flight: the ground then holds exactly the terminal's records and settles them to the fen", async () => {
    const { t, groundUrl, voucherText, flightId } = ground;
    expect((await cli("status")).out).toContain("not enrolled");
    expect(await cli("enrol", "--ground", groundUrl, "--code", await ground.enrolmentCode())).toMatchObject({
      code: EXIT.ok,
      out: expect.stringContaining("enrolled as Trolley A"),
    });
    expect(await cli("load", "--flight", "9C8850/2026-12-01", "--trolley", "A")).toMatchObject({
      code: EXIT.ok,
      out: expect.stringContaining("loaded 9C8850/2026-12-01, trolley A"),
    });
    t.clock.nowMs = DEPARTURE_MS + 3_600_000;
    expect(await cli("login", "--crew", "C1002", "--pin", "0000")).toMatchObject({
      code: EXIT.refused,
      out: expect.stringContaining("wrong PIN, 4 attempts left"),
    });
    expect(await cli("login", ...CREW)).toMatchObject({ code: EXIT.ok, out: "Wang Fang (C1002), crew" });

    const first = await json("sell", ...CREW, "--voucher", voucherText, "DF-CHO-040:2", "DR-COF-300");
    expect(first).toMatchObject({ code: EXIT.ok, body: { ok: true, receipt: { totalMinor: 27_600, remainingCapMinor: 12_400 } } });
    const second = await json("sell", ...CREW, "--voucher", voucherText, "ML-NOO-100");
    expect(second.body.receipt.remainingCapMinor).toBe(12_400 - 4_800);
    expect(await json("sell", ...CREW, "--voucher", voucherText, "DF-CHO-040")).toMatchObject({
      code: EXIT.refused,
      body: { ok: false, reason: "over_cap", remainingCapMinor: 7_600 },
    });
    expect(await json("void", ...CREW, "--record", second.body.receipt.recordId, "--reason", "wrong_item")).toMatchObject({
      code: EXIT.refused,
      body: { reason: "not_purser" },
    });
    expect(await json("refund", ...PURSER, "--record", first.body.receipt.recordId, "--reason", "damaged", "DF-CHO-040")).toMatchObject({
      code: EXIT.ok,
      body: { ok: true, totalMinor: 12_800 },
    });
    // The reason is required and from the list: a missing or unknown one is a usage error, nothing signed.
    expect(await cli("void", ...PURSER, "--record", second.body.receipt.recordId)).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining("void needs --reason"),
    });
    expect(await cli("void", ...PURSER, "--record", second.body.receipt.recordId, "--reason", "bored")).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining("--reason is one of wrong_item, changed_mind"),
    });
    expect(await json("void", ...PURSER, "--record", second.body.receipt.recordId, "--reason", "wrong_item")).toMatchObject({
      code: EXIT.ok,
    });
    const sales = await json("sales");
    expect(sales.body.map((s: { voided: boolean; refundedMinor: number }) => [s.voided, s.refundedMinor])).toEqual([
      [false, 12_800],
      [true, 0],
    ]);
    // Each reversal keeps why, as signed.
    expect(sales.body.map((s: { reversals: unknown[] }) => s.reversals)).toEqual([
      [{ kind: "refund", reason: "damaged", totalMinor: 12_800 }],
      [{ kind: "void", reason: "wrong_item", totalMinor: second.body.receipt.totalMinor }],
    ]);
    const closed = await json("close", ...PURSER);
    expect(closed.body.report).toMatchObject({
      sales: { count: 1, totalMinor: 27_600 },
      refunds: { totalMinor: 12_800 },
      netMinor: 14_800,
    });
    expect((await json("report")).body).toEqual(closed.body.report);
    expect(await cli("sell", ...CREW, "--voucher", voucherText, "DR-COF-300")).toMatchObject({
      code: EXIT.refused,
      out: expect.stringContaining("service_closed"),
    });

    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000; // landed
    const uploaded = await cli("upload", "--batch-size", "2");
    expect(uploaded).toMatchObject({ code: EXIT.ok, out: expect.stringContaining("sent 5: 5 accepted") });
    expect(uploaded.err).toContain("uploaded 5 of 5 records");
    expect((await cli("status")).out).toContain("0 records not yet acknowledged");

    // The ground holds exactly the terminal's records, byte for byte.
    const local = openTerminalDatabase(join(dataDir, "terminal.db"));
    const mine = local.db.select().from(records).orderBy(records.sequence).all();
    local.close();
    const status = (await json("status")).body;
    const held = await t.db
      .select()
      .from(saleRecords)
      .where(and(eq(saleRecords.terminalId, status.terminalId), eq(saleRecords.flightId, flightId)))
      .orderBy(saleRecords.sequence);
    expect(mine.map((r) => r.kind)).toEqual(["sale", "sale", "refund", "void", "close"]);
    expect(held.map((r) => Buffer.from(r.bytes).toString("hex"))).toEqual(mine.map((r) => Buffer.from(r.bytes).toString("hex")));

    // Retention: nothing goes at once; with no retention, all but the chain's head (the close record).
    expect((await json("purge")).body).toEqual({ flights: [], records: 0 });
    expect((await json("purge", "--retention-days", "0")).body).toEqual({ flights: ["9C8850/2026-12-01"], records: 4 });
    expect(await cli("report")).toMatchObject({ code: EXIT.failed, err: expect.stringContaining("records_purged") });
    expect((await json("status")).body.flight).toMatchObject({ serviceClosed: true, recordsPurged: true });
    expect(await cli("upload")).toMatchObject({ code: EXIT.ok, out: expect.stringContaining("sent 0") });

    // Settled and the flight closed: the passenger paid the sale less the refund, nothing is held.
    const worker = await startWorker(t);
    try {
      await settled(t, flightId);
      await waitFor("the flight to close", async () => {
        const me = (await call(t.app, { method: "GET", url: "/me", headers: bearer(ground.passengerToken) }, 200)).json();
        return me.wallets[0].heldMinor === 0 ? me.wallets[0] : undefined;
      });
      const me = (await call(t.app, { method: "GET", url: "/me", headers: bearer(ground.passengerToken) }, 200)).json();
      expect(me.wallets[0]).toEqual({ currency: "CNY", postedMinor: 100_000 - 14_800, heldMinor: 0, availableMinor: 100_000 - 14_800 });
      await assertMoneyInvariants(t, true);
    } finally {
      await worker.close();
    }
  });

  it("says what is wrong with bad usage, and refuses bad input before it reaches the core", async () => {
    expect(await cli()).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("usage: cabinpay-terminal") });
    expect(await cli("fly")).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('unknown command "fly"') });
    expect(await cli("status", "--colour")).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("--colour") });
    expect(await cli("load", "--flight", "9C 8850", "--trolley", "A")).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining("--flight is like 9C8850/2026-12-01"),
    });
    expect(await cli("sell", ...CREW, "--voucher", "CP1:X", "DR-COF-300:many")).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining("must be a whole number"),
    });
    expect(await cli("upload", "--batch-size", "5000")).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("invalid_input") });
    const big = join(tempDir(), "big.manifest");
    writeFileSync(big, Buffer.alloc(5 * 1024 * 1024));
    expect(await cli("load", "--file", big, "--trolley", "A")).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining("not a manifest"),
    });
    expect(await cli("load", "--file", join(tempDir(), "missing"), "--trolley", "A")).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining("ENOENT"),
    });
  });

  it("runs as an executable: status of a fresh terminal, and exit code 2 on bad usage", () => {
    const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
    const run = (...argv: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "--conditions=@cabinpay/source", main, ...argv], {
        encoding: "utf8",
        env: { ...process.env, CABINPAY_TERMINAL_DIR: tempDir() },
        timeout: 60_000,
      });
    const status = run("status");
    expect(status.stderr).toBe("");
    expect(status).toMatchObject({ status: 0, stdout: expect.stringContaining("not enrolled") });
    expect(run("bogus")).toMatchObject({ status: 2, stderr: expect.stringContaining("unknown command") });
  });
});
