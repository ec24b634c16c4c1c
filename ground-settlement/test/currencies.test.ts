/**
 * A CNY account on a HKD leg (issue 16): the flight sells in HKD; the passenger's hold and debit
 * stay in CNY, at the rate ops set and the manifest carries, each record rounded half up; a void
 * gives back exactly what its sale took; finance sees the sales in HKD, the debits in CNY and the
 * rate; the rate is fixed once a manifest went out.
 */
import { convertMinor, fromBase64Url, money, verifyManifest } from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Settlement } from "../src/jobs/settlement.js";
import { bearer, call, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { assertMoneyInvariants, settled, startWorker } from "./support/settle.js";

const HKD_TO_CNY = { currency: "CNY" as const, rateMicros: 912_300, source: "airline treasury 2026-12-01 06:00" };
const cnyOf = (hkdMinor: number) => convertMinor(money(hkdMinor, "HKD"), HKD_TO_CNY).amountMinor;

describe("a CNY account on a HKD leg", () => {
  let t: TestApp;
  let ops: string;
  let worker: Settlement;
  let flightId: string;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    ({ ops } = await staffKeys(t));
    worker = await startWorker(t);
    t.clock.nowMs = DEPARTURE_MS - 5 * 3_600_000;
    ({ flightId } = await createFlight(t, ops, { number: "8890", destination: "HKG", currency: "HKD" }));
    await loadFlight(t, ops, flightId, "HKD");
  });
  afterAll(async () => {
    await worker.close();
    await t.close();
  });

  const register = (token: string, body: object) =>
    t.app.inject({ method: "POST", url: "/registrations", headers: bearer(token), payload: { flightId, ...body } });

  it("registers in CNY only once the flight has a CNY rate, with the cap limit converted", async () => {
    const p = await passenger(t, ops, 100_000);
    const before = await register(p.token, { capMinor: 20_000, currency: "CNY" });
    expect([before.statusCode, before.json().code]).toEqual([422, "no_rate"]);
    const rates = await call(
      t.app,
      { method: "PUT", url: `/ops/flights/${flightId}/rates`, headers: bearer(ops), payload: { rates: [HKD_TO_CNY] } },
      200,
    );
    expect(rates.json().rates).toEqual([HKD_TO_CNY]);
    // The passenger pages find the flight with its rates, to offer the CNY account.
    const found = await call(t.app, { method: "GET", url: "/flights?carrier=9C&number=8890&date=2026-12-01" }, 200);
    expect(found.json().flights[0].rates).toEqual([HKD_TO_CNY]);
    // HK$2,000.00 is the flight's largest cap: CN¥1,824.60 in CNY.
    const over = await register(p.token, { capMinor: cnyOf(200_000) + 1, currency: "CNY" });
    expect([over.statusCode, over.json().code, over.json().details.capMinorMax]).toEqual([422, "cap_out_of_range", 182_460]);
    const usd = await register(p.token, { capMinor: 100, currency: "USD" });
    expect(usd.json().code).toBe("no_rate");
  });

  it("collects each sale in CNY at the manifest's rate, gives a void back exactly, and fixes the rate once a manifest went out", async () => {
    const p = await passenger(t, ops, 100_000);
    const registered = await register(p.token, { capMinor: 30_000, currency: "CNY" });
    expect(registered.statusCode).toBe(201);
    expect(registered.json()).toMatchObject({ currency: "CNY", capMinor: 30_000 });
    const terminal = await enrolTerminal(t, ops, flightId, "A");
    const manifest = verifyManifest(
      (await call(t.app, terminal.request("GET", `/terminal/flights/${flightId}/manifest`), 200)).rawPayload,
      {
        manifestKey: fromBase64Url(terminal.manifestPublicKey)!,
        verifier: createNodeVerifier(),
        nowMs: t.clock.nowMs,
        clockToleranceMs: 60_000,
      },
    );
    expect(manifest.ok && [manifest.manifest.currency, manifest.manifest.rates]).toEqual(["HKD", [HKD_TO_CNY]]);
    const frozen = await t.app.inject({
      method: "PUT",
      url: `/ops/flights/${flightId}/rates`,
      headers: bearer(ops),
      payload: { rates: [] },
    });
    expect([frozen.statusCode, frozen.json().code]).toEqual([409, "rates_frozen"]);

    const cabin = new CabinTerminal(t, terminal, flightId, { carrier: "9C", number: "8890", date: "2026-12-01" });
    cabin.saleCurrency = "HKD";
    const voucherText = registered.json().voucherText;
    // HK$128.05: CN¥116.82 (11,681.9 fen, half up); HK$0.05: 4.56 fen → 5 fen; a watch voided.
    const chocolate = cabin.sale(voucherText, [{ sku: "DF-CHO-040", quantity: 1, unitPriceMinor: 12_805 }]);
    cabin.sale(voucherText, [{ sku: "DR-WAT-304", quantity: 1, unitPriceMinor: 5 }]);
    const watch = cabin.sale(voucherText, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }]);
    cabin.void(watch);
    cabin.refund(chocolate, [{ sku: "DF-CHO-040", quantity: 1, unitPriceMinor: 12_805 }]);
    cabin.close();
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    const uploaded = await cabin.upload();
    expect(uploaded.json().records.every((r: { outcome: string }) => r.outcome === "accepted")).toBe(true);
    await settled(t, flightId);

    const report = (
      await call(t.app, { method: "GET", url: `/finance/flights/${flightId}/reconciliation`, headers: bearer(ops) }, 200)
    ).json();
    const byCurrency = Object.fromEntries(report.currencies.map((c: { currency: string }) => [c.currency, c]));
    expect(byCurrency["HKD"].approved).toEqual({ count: 3, amountMinor: 12_805 + 5 + 2_000 });
    // Sold in HKD, less a void and a refund: the one net, and every breakdown adds up to it.
    const hkd = byCurrency["HKD"];
    expect(hkd).toMatchObject({ voids: { count: 1, amountMinor: 2_000 }, refunds: { count: 1, amountMinor: 12_805 }, netMinor: 5 });
    const sumOf = (list: { amountMinor?: number; netMinor?: number }[]) => list.reduce((t, x) => t + (x.amountMinor ?? x.netMinor ?? 0), 0);
    expect(sumOf(hkd.byCategory)).toBe(5);
    expect(sumOf(hkd.byHour)).toBe(5);
    expect(sumOf(report.terminals)).toBe(5);
    expect(sumOf(report.crew)).toBe(5);
    // Why: the void and the refund each by the reason the purser signed, adding up to both.
    expect(hkd.byReason).toEqual([
      { reason: "damaged", count: 1, amountMinor: 12_805 },
      { reason: "wrong_item", count: 1, amountMinor: 2_000 },
    ]);
    expect(sumOf(hkd.byReason)).toBe(hkd.voids.amountMinor + hkd.refunds.amountMinor);
    expect(byCurrency["CNY"].debited.totalMinor).toBe(cnyOf(12_805) + cnyOf(5) + cnyOf(2_000));
    expect(byCurrency["CNY"].voided.reversedMinor).toBe(cnyOf(2_000) + cnyOf(12_805));
    expect(report.rates).toEqual([{ ...HKD_TO_CNY, text: "1 HKD = 0.9123 CNY" }]);
    const statement = (await call(t.app, { method: "GET", url: "/me/statement", headers: bearer(p.token) }, 200)).json();
    expect(statement.registrations[0]).toMatchObject({
      currency: "CNY",
      saleCurrency: "HKD",
      rate: { rateMicros: 912_300, text: "1 HKD = 0.9123 CNY", source: HKD_TO_CNY.source },
      debitedMinor: cnyOf(5),
    });
    await assertMoneyInvariants(t, false);
  });

  it("lets a rate change racing a flight's first manifest either reach that manifest or be refused, never half", async () => {
    for (let round = 0; round < 6; round += 1) {
      const number = String(8891 + round);
      const { flightId: raced } = await createFlight(t, ops, { number, destination: "HKG", currency: "HKD" });
      await loadFlight(t, ops, raced, "HKD");
      const terminal = await enrolTerminal(t, ops, raced, "A");
      const rate = { ...HKD_TO_CNY, rateMicros: 900_000 + round };
      const [put, served] = await Promise.all([
        t.app.inject({ method: "PUT", url: `/ops/flights/${raced}/rates`, headers: bearer(ops), payload: { rates: [rate] } }),
        t.app.inject(terminal.request("GET", `/terminal/flights/${raced}/manifest`)),
      ]);
      expect(served.statusCode).toBe(200);
      const manifest = verifyManifest(served.rawPayload, {
        manifestKey: fromBase64Url(terminal.manifestPublicKey)!,
        verifier: createNodeVerifier(),
        nowMs: t.clock.nowMs,
        clockToleranceMs: 60_000,
      });
      if (!manifest.ok) throw new Error(manifest.detail);
      if (put.statusCode === 200) expect(manifest.manifest.rates).toEqual([rate]);
      else expect([put.statusCode, put.json().code, manifest.manifest.rates]).toEqual([409, "rates_frozen", []]);
    }
  });
});
