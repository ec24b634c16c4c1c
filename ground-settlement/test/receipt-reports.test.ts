/**
 * The passenger as witness: a terminal's signed receipt for a record the ground never received is
 * kept as evidence, shown to finance and counted in the reconciliation until the record arrives
 * (a late upload clears it) or finance closes it. Forged, altered, someone else's receipts are
 * refused and store nothing; two sends at once keep one report; a record uploaded different from
 * its receipt is told apart from one missing.
 */
import { certifyDevice, createNobleSigner, generateSecretKey, type SaleRecord } from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiptReports } from "../src/db/schema/receipts.js";
import { bearer, call, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { settled, startWorker } from "./support/settle.js";
import { receiptsNotOnStatement } from "./support/witness.js";

const COFFEE = { sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 };
const NOODLES = { sku: "ML-NOO-100", quantity: 2, unitPriceMinor: 5_000 };

describe("receipts passengers send back", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let flightId: string;
  let cabin: CabinTerminal;
  let owner: { token: string };
  let stranger: { token: string };
  let sales: SaleRecord[];
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  const receipts: string[] = [];

  beforeAll(async () => {
    t = await createTestApp("postgres");
    keys = await staffKeys(t);
    ({ flightId } = await createFlight(t, keys.ops));
    await loadFlight(t, keys.ops, flightId);
    owner = await passenger(t, keys.ops, 50_000, "LIN/YU MS");
    stranger = await passenger(t, keys.ops, 50_000);
    const voucher = (await register(t, owner.token, flightId, 30_000)).voucherText;
    await register(t, stranger.token, flightId, 10_000);
    cabin = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId), flightId);
    t.clock.nowMs = DEPARTURE_MS + 3_600_000;
    sales = [cabin.sale(voucher, [COFFEE]), cabin.sale(voucher, [NOODLES]), cabin.sale(voucher, [COFFEE, NOODLES])];
    let capLeftMinor = 30_000;
    for (const sale of sales) {
      capLeftMinor -= sale.totalMinor;
      receipts.push(cabin.receipt(sale, capLeftMinor, cabin.terminal.certificate));
    }
    t.clock.nowMs = DEPARTURE_MS + 4 * 3_600_000;
    // The terminal's tail is lost: only the first sale reaches the ground.
    expect((await cabin.upload(cabin.batch(1, 1))).statusCode).toBe(200);
    worker = await startWorker(t);
    await settled(t, flightId);
  });
  afterAll(async () => {
    await worker?.close();
    await t.close();
  });

  const send = (receipt: string, token = owner.token) =>
    t.app.inject({ method: "POST", url: "/me/receipts", headers: bearer(token), payload: { receipt } });
  const openReports = async () =>
    (await call(t.app, { method: "GET", url: `/finance/receipt-reports?flightId=${flightId}`, headers: bearer(keys.finance) }, 200)).json()
      .reports as { recordId: string; match: string; passengerName: string; terminalName: string; totalMinor: number }[];
  const flight = async () =>
    (await call(t.app, { method: "GET", url: `/finance/flights/${flightId}/reconciliation`, headers: bearer(keys.finance) }, 200)).json();
  const kept = () => t.db.select().from(receiptReports);

  it("answers that a receipted record the ground holds is received, and keeps nothing", async () => {
    const answer = await send(receipts[0]!);
    expect([answer.statusCode, answer.json()]).toEqual([200, { recordId: sales[0]!.recordId, match: "received", reportedAtMs: null }]);
    expect(await kept()).toEqual([]);
  });

  it("keeps the receipt of a record it lacks as evidence, once, however many times and however fast it is sent", async () => {
    const answers = await Promise.all([send(receipts[1]!), send(receipts[1]!), send(receipts[2]!)]);
    expect(answers.map((a) => [a.statusCode, a.json().match])).toEqual([
      [200, "missing"],
      [200, "missing"],
      [200, "missing"],
    ]);
    const rows = await kept();
    expect(rows.map((r) => r.recordId).sort()).toEqual([sales[1]!.recordId, sales[2]!.recordId].sort());
    expect(rows.find((r) => r.recordId === sales[1]!.recordId)?.receiptText).toBe(receipts[1]);
    expect(new Set(answers.slice(0, 2).map((a) => a.json().reportedAtMs)).size).toBe(1);
  });

  it("shows them to finance with who and which terminal, counts them, and marks the flight as needing a person", async () => {
    const reports = await openReports();
    expect(reports.map((r) => [r.match, r.passengerName, r.terminalName, r.totalMinor]).sort()).toEqual(
      [
        ["missing", "LIN/YU MS", "Trolley A", 10_000],
        ["missing", "LIN/YU MS", "Trolley A", 12_000],
      ].sort(),
    );
    const report = await flight();
    const cny = report.currencies.find((c: { currency: string }) => c.currency === "CNY");
    expect(cny.receiptedNotReceived).toEqual({ sales: { count: 2, amountMinor: 22_000 }, reversals: { count: 0, amountMinor: 0 } });
    // The figures of what was received do not change: the receipts are counted apart.
    expect(cny.approved).toEqual({ count: 1, amountMinor: 2_000 });
    expect(report.attention).toBe(2);
    expect(report.status).toBe("needs_attention");
  });

  it("refuses an altered, a forged and someone else's receipt, and stores nothing for them", async () => {
    const before = (await kept()).length;
    const text = receipts[2]!;
    const altered = `${text.slice(0, 40)}${text[40] === "A" ? "B" : "A"}${text.slice(41)}`;
    // A terminal key certified by a ground key that is not ours.
    const impostor = createNobleSigner(generateSecretKey());
    const fakeGround = createNobleSigner(generateSecretKey());
    const fakeCertificate = certifyDevice(
      {
        terminalId: cabin.terminal.terminalId,
        devicePublicKey: impostor.publicKey,
        terminalName: "Trolley A",
        issuedAtMs: 0,
        expiresAtMs: 2 ** 42,
      },
      fakeGround,
    );
    const forger = new CabinTerminal(t, { ...cabin.terminal, signer: impostor }, flightId);
    const forgedSale = forger.sale(await ownVoucher(), [COFFEE]);
    const forged = forger.receipt(forgedSale, 1_000, fakeCertificate.bytes);
    for (const [receipt, token, code] of [
      [altered, owner.token, "receipt_invalid"],
      [forged, owner.token, "receipt_invalid"],
      ["CPT1:not base45 at all!", owner.token, "receipt_invalid"],
      [text, stranger.token, "registration_not_found"],
    ] as const) {
      const answer = await send(receipt, token);
      expect([answer.statusCode, answer.json().code]).toEqual([code === "receipt_invalid" ? 422 : 404, code]);
    }
    expect((await kept()).length).toBe(before);
  });

  it("clears a report by itself when the record arrives late, and tells a record uploaded different from its receipt", async () => {
    // The terminal is found and uploads its second record; its third was replaced (a tampered
    // terminal), under the same id: only the record's hash tells it from what the passenger was shown.
    expect((await cabin.upload(cabin.batch(2, 2))).statusCode).toBe(200);
    cabin.records.pop();
    const other = cabin.sale(await ownVoucher(), [COFFEE], "C1002", { recordId: sales[2]!.recordId });
    expect(other.sequence).toBe(sales[2]!.sequence);
    expect((await cabin.upload(cabin.batch(3, 3))).statusCode).toBe(200);
    // The phone still finds that receipt missing from the statement, and sends it again.
    expect(await receiptsNotOnStatement(t, owner.token, receipts)).toEqual([sales[2]!.recordId]);
    const reports = await openReports();
    expect(reports.map((r) => [r.recordId, r.match])).toEqual([[sales[2]!.recordId, "differs"]]);
    expect((await send(receipts[1]!)).json().match).toBe("received");
    expect((await flight()).receiptReports.map((r: { match: string }) => r.match).sort()).toEqual(["differs", "received"]);
  });

  it("lets finance close a report with a note: it leaves the queue, stays on record, and cannot be closed twice", async () => {
    const close = (note: string) =>
      t.app.inject({
        method: "POST",
        url: `/finance/receipt-reports/${sales[2]!.recordId}/close`,
        headers: bearer(keys.finance),
        payload: { note },
      });
    expect((await close("x")).statusCode).toBe(400);
    expect((await close("terminal tampered: passed to security")).statusCode).toBe(204);
    expect(await openReports()).toEqual([]);
    const [row] = await t.db.select().from(receiptReports).where(eq(receiptReports.recordId, sales[2]!.recordId));
    expect([row?.closeNote, row?.closedBy?.startsWith("api-key:")]).toEqual(["terminal tampered: passed to security", true]);
    expect((await close("again")).json().code).toBe("not_actionable");
    const report = await flight();
    expect(report.attention).toBe(0);
    // Counted still: a record the ground holds different from what the passenger was shown.
    expect(report.currencies.find((c: { currency: string }) => c.currency === "CNY").receiptedNotReceived.sales.count).toBe(1);
  });

  async function ownVoucher(): Promise<string> {
    const list = (await call(t.app, { method: "GET", url: "/registrations", headers: bearer(owner.token) }, 200)).json();
    return list.registrations[0].voucherText;
  }
});
