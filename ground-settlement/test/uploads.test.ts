import { createBatch, type SaleRecord, toHex } from "@cabinpay/shared";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flights } from "../src/db/schema/flights.js";
import { accounts } from "../src/db/schema/ledger.js";
import { registrations } from "../src/db/schema/registrations.js";
import { rejectedBatches, saleRecords, settlements } from "../src/db/schema/uploads.js";
import type { Settlement } from "../src/jobs/settlement.js";
import {
  bearer,
  call,
  createFlight,
  DEPARTURE_MS,
  enrolTerminal,
  forgedVoucherText,
  loadFlight,
  passenger,
  register,
  staffKeys,
} from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { ENGINES } from "./support/databases.js";
import { assertMoneyInvariants, settled, startWorker, waitFor } from "./support/settle.js";

const line = (sku: string, unitPriceMinor: number, quantity = 1) => ({ sku, quantity, unitPriceMinor });

describe.each(ENGINES)("upload after landing and settlement on %s", (engine) => {
  let t: TestApp;
  let ops: string;
  let flightId: string;
  let a: CabinTerminal;
  let b: CabinTerminal;
  let worker: Settlement;
  const p: Record<string, { passengerId: string; token: string; voucher: string }> = {};
  let forgedVoucher: string;
  const recordsA: SaleRecord[] = [];

  beforeAll(async () => {
    t = await createTestApp(engine);
    ({ ops } = await staffKeys(t));
    ({ flightId } = await createFlight(t, ops));
    await loadFlight(t, ops, flightId);
    a = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "A"), flightId, undefined, "A");
    b = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "B"), flightId, undefined, "B");
    const registered = async (name: string, fundedMinor: number, capMinor: number) => {
      const who = await passenger(t, ops, fundedMinor, name);
      const registration = await register(t, who.token, flightId, capMinor);
      p[name] = { ...who, voucher: registration.voucherText };
      return registration.registrationId;
    };
    await registered("P1", 100_000, 50_000);
    await registered("P2", 30_000, 20_000);
    await registered("P3", 20_000, 20_000);
    const revoked = await registered("P4", 10_000, 10_000);
    await call(t.app, { method: "DELETE", url: `/registrations/${revoked}`, headers: bearer(p["P4"]!.token) }, 200);
    forgedVoucher = forgedVoucherText();
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000; // landed
    worker = await startWorker(t);

    recordsA.push(
      a.sale(p["P1"]!.voucher, [line("DF-CHO-040", 12_800)]), // 1
      a.sale(p["P1"]!.voucher, [line("DR-COF-300", 2_000, 2)]), // 2
      a.sale(p["P2"]!.voucher, [line("SV-MOD-050", 16_800)]), // 3
      a.sale(p["P3"]!.voucher, [line("SV-MOD-050", 16_800)]), // 4
      a.sale(p["P4"]!.voucher, [line("ML-NOO-100", 4_800)]), // 5: cancelled registration
      a.sale(forgedVoucher, [line("ML-RIC-101", 4_500)]), // 6: forged voucher
    );
    recordsA.push(a.sale(p["P1"]!.voucher, [line("ML-NOO-100", 4_800)])); // 7
    recordsA.push(a.void(recordsA[6]!), a.close()); // 8, 9
    b.sale(p["P2"]!.voucher, [line("SV-PLU-051", 8_800)]);
    b.sale(p["P3"]!.voucher, [line("SV-PLU-051", 8_800)]);
    b.close();
  });
  afterAll(async () => {
    await worker.close();
    await t.close();
  });

  const wallet = async (name: string) =>
    (await call(t.app, { method: "GET", url: "/me", headers: bearer(p[name]!.token) }, 200)).json().wallets[0];
  const outcomes = (body: { records: { sequence: number; outcome: string; reason?: string }[] }) =>
    body.records.map((r) => `${r.sequence}:${r.outcome}${r.reason ? `:${r.reason}` : ""}`);

  it("accepts a batch, answers per record, and settles each sale against its hold", async () => {
    const response = await a.upload(a.batch(1, 2));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ nextSequence: 3, serviceClosed: false });
    expect(outcomes(response.json())).toEqual(["1:accepted", "2:accepted"]);
    // Stored byte for byte, each record its own bytes and hash (they travel packed, cut by offset).
    const stored = await t.db
      .select({ sequence: saleRecords.sequence, bytes: saleRecords.bytes, hash: saleRecords.recordHash })
      .from(saleRecords)
      .where(eq(saleRecords.terminalId, a.terminal.terminalId))
      .orderBy(saleRecords.sequence);
    const held = (r: { sequence: number; bytes: Uint8Array; hash: Uint8Array }) => [r.sequence, toHex(r.bytes), toHex(r.hash)];
    expect(stored.map(held)).toEqual(a.records.slice(0, 2).map(held));
    await settled(t, flightId);
    expect(await wallet("P1")).toEqual({
      currency: "CNY",
      postedMinor: 100_000 - 16_800,
      heldMinor: 50_000 - 16_800,
      availableMinor: 50_000,
    });
  });

  it("answers the same batch twice with duplicates and doubles nothing", async () => {
    const again = (await a.upload(a.batch(1, 2))).json();
    expect(outcomes(again)).toEqual(["1:duplicate", "2:duplicate"]);
    expect(again.nextSequence).toBe(3);
    await settled(t, flightId);
    expect((await wallet("P1")).postedMinor).toBe(100_000 - 16_800);
  });

  it("resumes an interrupted upload: held records are duplicates, a gap names where to resume", async () => {
    const overlapping = (await a.upload(a.batch(1, 6))).json();
    expect(outcomes(overlapping)).toEqual([
      "1:duplicate",
      "2:duplicate",
      "3:accepted",
      "4:accepted",
      "5:rejected:voucher_revoked",
      "6:rejected:voucher_forged",
    ]);
    const gap = await a.upload(a.batch(8, 9));
    expect(gap.statusCode).toBe(409);
    expect(gap.json()).toMatchObject({ code: "sequence_gap", details: { nextSequence: 7 } });
    const where = await call(t.app, a.terminal.request("GET", `/terminal/flights/${flightId}/chain`), 200);
    // The head held is the terminal's record 6, byte for byte: its hash is what the terminal compares.
    expect(where.json()).toEqual({ nextSequence: 7, headHash: toHex(recordsA[5]!.hash), serviceClosed: false });
  });

  it("refuses a tampered batch whole, keeps it as evidence, and stores none of it", async () => {
    const batch = a.batch(7, 9);
    const tampered = Uint8Array.from(batch, (byte, i) => (i === 300 ? byte ^ 0x01 : byte));
    const response = await a.upload(tampered);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: "batch_rejected" });
    const evidence = await t.db.select().from(rejectedBatches).where(eq(rejectedBatches.id, response.json().details.rejectedBatchId));
    expect(evidence).toHaveLength(1);
    expect(evidence[0]!.bytes).toEqual(tampered);
    expect(await t.db.select().from(saleRecords).where(eq(saleRecords.sequence, 7))).toEqual([]);
  });

  it("refuses a batch signed by the terminal's key whose record signature is wrong, and rolls back what it sent", async () => {
    // Sent to the database while signatures are checked: this is the path that must roll back.
    const held = a.records.slice(6, 9);
    const last = held.at(-1)!;
    const badSignature = Uint8Array.from(last.bytes, (byte, i) => (i === last.bytes.length - 1 ? byte ^ 0x01 : byte));
    const bytes = createBatch(
      {
        terminalId: a.terminal.terminalId,
        flight: a.flight,
        firstSequence: 7,
        previousHash: a.records[5]!.hash,
        createdAtMs: DEPARTURE_MS,
      },
      [...held.slice(0, -1), { ...last, bytes: badSignature }],
      a.terminal.signer,
    );
    const response = await a.upload(bytes);
    expect(response.statusCode).toBe(422);
    expect(response.json().details).toMatchObject({ reason: "broken_chain", chain: { sequence: 9, reason: "bad_signature" } });
    expect(await t.db.select().from(saleRecords).where(eq(saleRecords.flightId, flightId))).toHaveLength(6);
    const where = await call(t.app, a.terminal.request("GET", `/terminal/flights/${flightId}/chain`), 200);
    // The head held is the terminal's record 6, byte for byte: its hash is what the terminal compares.
    expect(where.json()).toEqual({ nextSequence: 7, headHash: toHex(recordsA[5]!.hash), serviceClosed: false });
  });

  it("refuses a fork: a different record for a sequence already held", async () => {
    const forked = new CabinTerminal(t, a.terminal, flightId, undefined, "A");
    forked.records.push(recordsA[0]!); // the same first record…
    forked.sale(p["P1"]!.voucher, [line("DF-CHO-040", 1)]); // …then a different second one, signed by the same key
    const response = await forked.upload();
    expect(response.statusCode).toBe(422);
    expect(response.json().details).toMatchObject({ reason: "fork", chain: { sequence: 2 } });
  });

  it("settles sales over the cap from the balance, and what it cannot cover becomes a shortfall", async () => {
    expect(outcomes((await a.upload(a.batch(7, 9))).json())).toEqual(["7:accepted", "8:accepted", "9:accepted"]);
    const fromB = (await b.upload()).json();
    expect(outcomes(fromB)).toEqual(["1:accepted", "2:accepted", "3:accepted"]);
    expect(fromB.serviceClosed).toBe(true);
    await settled(t, flightId);
    const bySale = await t.db.select().from(settlements).where(eq(settlements.flightId, flightId));
    const total = (ids: string[], field: "fromHoldMinor" | "fromBalanceMinor" | "shortfallMinor") =>
      bySale.filter((s) => ids.includes(s.recordId)).reduce((sum, s) => sum + s[field], 0);
    const p2 = [recordsA[2]!.recordId, b.records[0]!.recordId];
    const p3 = [recordsA[3]!.recordId, b.records[1]!.recordId];
    expect([total(p2, "fromHoldMinor"), total(p2, "fromBalanceMinor"), total(p2, "shortfallMinor")]).toEqual([20_000, 5_600, 0]);
    expect([total(p3, "fromHoldMinor"), total(p3, "fromBalanceMinor"), total(p3, "shortfallMinor")]).toEqual([20_000, 0, 5_600]);
    expect(bySale.find((s) => s.recordId === recordsA[4]!.recordId)).toMatchObject({ status: "rejected", reason: "voucher_revoked" });
    expect(bySale.find((s) => s.recordId === recordsA[7]!.recordId)).toMatchObject({ status: "reversed", reversedMinor: 4_800 });
  });

  it("closes the flight once both terminals closed: every hold released, strictly after settlement", async () => {
    const closed = await waitFor("flight close", async () => {
      const [flight] = await t.db.select().from(flights).where(eq(flights.id, flightId));
      return flight!.closedAtMs ?? undefined;
    });
    expect(closed).toBe(t.clock.nowMs);
    const released = await t.db
      .select()
      .from(registrations)
      .where(and(eq(registrations.flightId, flightId), eq(registrations.status, "active")));
    for (const registration of released) expect(registration).toMatchObject({ currentHoldTransferId: null, releasedAtMs: closed });
    expect(await wallet("P1")).toEqual({ currency: "CNY", postedMinor: 100_000 - 16_800, heldMinor: 0, availableMinor: 100_000 - 16_800 });
    expect(await wallet("P2")).toMatchObject({ postedMinor: 30_000 - 25_600, heldMinor: 0 });
    expect(await wallet("P3")).toMatchObject({ postedMinor: 0, heldMinor: 0 });
    expect(await wallet("P4")).toMatchObject({ postedMinor: 10_000, heldMinor: 0 });
    await assertMoneyInvariants(t, true);
  });

  it("reconciles the flight for finance, in JSON and CSV agreeing with the ledger, and states it for passengers", async () => {
    const { finance } = await staffKeys(t);
    const report = (
      await call(t.app, { method: "GET", url: `/finance/flights/${flightId}/reconciliation`, headers: bearer(finance) }, 200)
    ).json();
    expect(report.status).toBe("needs_attention"); // a shortfall, two rejected sales, three refused batches
    const [cny] = report.currencies;
    expect(cny).toMatchObject({
      currency: "CNY",
      approved: { count: 7, amountMinor: 12_800 + 4_000 + 16_800 + 16_800 + 4_800 + 8_800 + 8_800 },
      byCategory: [
        { category: "souvenir", amountMinor: 16_800 + 16_800 + 8_800 + 8_800 },
        { category: "duty_free", amountMinor: 12_800 },
        { category: "drink", amountMinor: 4_000 },
        { category: "meal", amountMinor: 4_800 - 4_800 }, // sold, then voided: net of voids, as the terminals count it
      ],
      // Net of the void, in the hour it was made (the same as the sales here).
      byHour: [{ hour: "2026-12-01T02:00Z", count: 7, amountMinor: 72_800 - 4_800 }],
      voids: { count: 1, amountMinor: 4_800 },
      refunds: { count: 0, amountMinor: 0 },
      byReason: [{ reason: "wrong_item", count: 1, amountMinor: 4_800 }],
      netMinor: 72_800 - 4_800,
      debited: { fromHoldMinor: 21_600 + 20_000 + 20_000, fromBalanceMinor: 5_600, totalMinor: 67_200 },
      shortfall: { count: 1, amountMinor: 5_600 },
      failed: { count: 0, amountMinor: 0 },
      pending: { count: 0 },
      rejected: { count: 2, amountMinor: 4_800 + 4_500 },
      voided: { count: 1, amountMinor: 4_800, reversedMinor: 4_800 },
      holds: { placed: { count: 4, amountMinor: 100_000 }, releasedMinor: 10_000 + 28_400, cancelled: 1 },
    });
    // One net, every breakdown adds up to it: categories, hours, terminals, crew.
    const total = (list: { amountMinor?: number; netMinor?: number }[]) => list.reduce((t, x) => t + (x.amountMinor ?? x.netMinor ?? 0), 0);
    expect(cny.netMinor).toBe(cny.approved.amountMinor - cny.voids.amountMinor - cny.refunds.amountMinor);
    expect(total(cny.byCategory)).toBe(cny.netMinor);
    expect(total(cny.byHour)).toBe(cny.netMinor);
    expect(total(report.terminals.map((x: { netMinor: number }) => ({ netMinor: x.netMinor })))).toBe(cny.netMinor);
    expect(total(report.crew.map((x: { netMinor: number }) => ({ netMinor: x.netMinor })))).toBe(cny.netMinor);
    expect(
      report.terminals
        .map((x: { records: number; serviceClosed: boolean; netMinor: number }) => [x.records, x.serviceClosed, x.netMinor])
        .sort(),
    ).toEqual([
      [3, true, 8_800 + 8_800],
      [9, true, 12_800 + 4_000 + 16_800 + 16_800 + 4_800 - 4_800], // with a sale and its void
    ]);
    expect(report.stock.find((x: { trolleyId: string; sku: string }) => x.trolleyId === "A" && x.sku === "DF-CHO-040")).toEqual({
      trolleyId: "A",
      sku: "DF-CHO-040",
      nameEn: "Chocolate Gift Box 300 g",
      nameZh: "巧克力礼盒 300克",
      loaded: 20,
      sold: 1,
      left: 19,
    });
    // The noodles went out with a sale the ground refused to settle: the money was not collected, the goods left the trolley.
    expect(report.stock.find((x: { trolleyId: string; sku: string }) => x.trolleyId === "A" && x.sku === "ML-NOO-100")).toMatchObject({
      sold: 1,
    });
    expect(report.rejectedBatches.map((x: { reason: string }) => x.reason).sort()).toEqual(["bad_signature", "broken_chain", "fork"]);

    const [revenue] = await t.db
      .select()
      .from(accounts)
      .where(and(eq(accounts.kind, "airline_revenue"), eq(accounts.currency, "CNY")));
    expect(revenue!.creditsPostedMinor - revenue!.debitsPostedMinor).toBe(cny.debited.totalMinor - cny.voided.reversedMinor);

    const csv = await call(t.app, { method: "GET", url: `/finance/flights/${flightId}/reconciliation.csv`, headers: bearer(finance) }, 200);
    expect(csv.headers["content-type"]).toMatch(/^text\/csv/);
    const rows = csv.body
      .trim()
      .split("\n")
      .slice(1)
      .map((row) => row.split(","));
    expect(rows).toHaveLength(12);
    const column = (name: string) => csv.body.split("\n")[0]!.split(",").indexOf(name);
    const sumColumn = (name: string) => rows.reduce((total, row) => total + Number(row[column(name)]), 0);
    expect(sumColumn("from_hold_minor") + sumColumn("from_balance_minor") - sumColumn("reversed_minor")).toBe(
      revenue!.creditsPostedMinor - revenue!.debitsPostedMinor,
    );
    // The void's reason as signed on board; none for sales.
    expect(
      rows.map((row) => [row[column("kind")], row[column("reversal_reason")]]).filter(([kind]) => kind === "void" || kind === "refund"),
    ).toEqual([["void", "wrong_item"]]);

    const listed = (
      await call(t.app, { method: "GET", url: "/finance/flights?status=needs_attention", headers: bearer(finance) }, 200)
    ).json();
    expect(listed.flights.find((f: { flight: { flightId: string } }) => f.flight.flightId === flightId)).toMatchObject({
      approvedMinor: 72_800,
      debitedMinor: 67_200,
    });

    const mine = (await call(t.app, { method: "GET", url: "/me/statement", headers: bearer(p["P1"]!.token) }, 200)).json().registrations;
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      debitedMinor: 16_800,
      holdReleasedMinor: 28_400,
      capMinor: 50_000,
      flight: { carrier: "9C", number: "8850" },
    });
    expect(mine[0].purchases.map((x: { kind: string; settlement: string }) => `${x.kind}:${x.settlement}`)).toEqual([
      "sale:debited",
      "sale:debited",
      "sale:debited",
      "void:reversed",
    ]);
    expect(mine[0].purchases[0].items).toEqual([
      { sku: "DF-CHO-040", name: "Chocolate Gift Box 300 g", nameZh: "巧克力礼盒 300克", quantity: 1, unitPriceMinor: 12_800 },
    ]);
  });

  it("refuses hostile upload bodies with 4xx, storing nothing", async () => {
    const url = `/terminal/flights/${flightId}/batches`;
    const count = async () => (await t.db.select({ id: saleRecords.id }).from(saleRecords)).length;
    const before = await count();
    const signed = (body: Buffer) => a.terminal.request("POST", url, { body });
    expect((await t.app.inject(signed(Buffer.from("not a batch")))).json()).toMatchObject({
      code: "batch_rejected",
      details: { reason: "unsupported_version" },
    });
    expect((await t.app.inject(signed(Buffer.from([1, 2, 3])))).json()).toMatchObject({
      code: "batch_rejected",
      details: { reason: "malformed" },
    });
    const json = { ...signed(Buffer.from("{}")), headers: { ...signed(Buffer.from("{}")).headers, "content-type": "application/json" } };
    expect((await t.app.inject(json)).statusCode).toBeGreaterThanOrEqual(400);
    const huge = await t.app.inject(signed(Buffer.alloc(5 * 1024 * 1024, 1)));
    expect(huge.statusCode).toBe(413);
    const otherTerminal = await t.app.inject({ ...b.terminal.request("POST", url, { body: Buffer.from(a.batch(1, 1)) }) });
    expect(otherTerminal.json()).toMatchObject({ code: "batch_rejected", details: { reason: "wrong_terminal" } });
    expect(await count()).toBe(before);
  });
});

describe("a flight's landing time", () => {
  it("is its first upload's, whatever uploads come after", async () => {
    const t = await createTestApp("postgres");
    try {
      const { ops } = await staffKeys(t);
      const { flightId } = await createFlight(t, ops);
      await loadFlight(t, ops, flightId);
      const who = await passenger(t, ops, 50_000);
      const { voucherText } = await register(t, who.token, flightId, 30_000);
      const a = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "A"), flightId, undefined, "A");
      const b = new CabinTerminal(t, await enrolTerminal(t, ops, flightId, "B"), flightId, undefined, "B");
      for (const cabin of [a, b]) cabin.sale(voucherText, [line("DR-WAT-304", 100)]);
      t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
      const firstAtMs = t.clock.nowMs;
      expect((await a.upload()).statusCode).toBe(200);
      t.clock.nowMs += 10 * 60_000;
      expect((await b.upload()).statusCode).toBe(200);
      const [flight] = await t.db.select().from(flights).where(eq(flights.id, flightId));
      expect(flight!.landedAtMs).toBe(firstAtMs);
    } finally {
      await t.close();
    }
  });
});
