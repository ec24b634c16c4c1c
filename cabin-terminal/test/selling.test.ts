import {
  base45Encode,
  createNobleSigner,
  createPortableDeviceSigner,
  type DeviceSigner,
  GENESIS_ANCHOR,
  generateSecretKey,
  issueVoucher,
  makeRotatingCode,
  money,
  newId,
  VOUCHER_TEXT_PREFIX,
  type VoucherClaims,
  verifyChain,
} from "@cabinpay/shared";
import { createNodeSigner, createNodeVerifier } from "@cabinpay/shared/node";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { DECLINE_REASONS } from "../src/api/results.js";
import { openTerminalDatabase } from "../src/core/db/open.js";
import { records, stock, voucherUsage } from "../src/core/db/schema.js";
import { loadFlight } from "../src/core/flight/load.js";
import { listSales, serviceReport } from "../src/core/sales/report.js";
import { refundSale, voidSale } from "../src/core/sales/reverse.js";
import { secondCore } from "../src/core/sales/second-core.js";
import { charge, closeService, type Seller } from "../src/core/sales/sell.js";
import { DEPARTURE_MS, enrolledDatabase, FLIGHT, issuerKey, manifestBytes } from "./support/fixtures.js";

const IN_FLIGHT = DEPARTURE_MS + 3_600_000;

function claimsOf(overrides: Partial<VoucherClaims> = {}): VoucherClaims {
  return {
    voucherId: newId(),
    accountRef: newId(),
    flight: FLIGHT,
    cap: money(50_000, "CNY"),
    validFromMs: DEPARTURE_MS - 86_400_000,
    validUntilMs: DEPARTURE_MS + 86_400_000,
    passengerName: "ZHANG/WEIMING MR",
    seat: "32A",
    ...overrides,
  };
}

function voucher(overrides: Partial<VoucherClaims> = {}, signer = issuerKey): { text: string; id: string } {
  const claims = claimsOf(overrides);
  return { text: issueVoucher(claims, signer).text, id: claims.voucherId };
}

function setup(manifestOverrides = {}) {
  const opened = enrolledDatabase();
  const flight = loadFlight(opened.db, {
    manifestBytes: manifestBytes(manifestOverrides),
    trolleyId: "A",
    nowMs: DEPARTURE_MS - 3_600_000,
  });
  const signer = createNodeSigner(generateSecretKey());
  const terminalId = newId();
  const crew: Seller = { terminalId, signer, crew: { crewId: "C1002", role: "crew" }, newId };
  const purser: Seller = { ...crew, crew: { crewId: "C1001", role: "purser" } };
  return { ...opened, flight, crew, purser, signer, terminalId };
}

describe("selling offline", () => {
  it("approves a sale: receipt with name and seat, stock and cap used, one signed chain record", () => {
    const t = setup();
    const v = voucher();
    const result = charge(
      t.db,
      t.flight,
      t.crew,
      [
        { sku: "DF-CHO-040", quantity: 2 },
        { sku: "DR-COF-300", quantity: 1 },
      ],
      v.text,
      IN_FLIGHT,
    );
    if (!result.ok) throw new Error(result.detail);
    expect(result.receipt).toMatchObject({
      sequence: 1,
      totalMinor: 2 * 12_800 + 2_000,
      currency: "CNY",
      remainingCapMinor: 50_000 - 27_600,
      passengerName: "ZHANG/WEIMING MR",
      seat: "32A",
    });
    expect(result.receipt.lines[0]).toEqual({
      sku: "DF-CHO-040",
      nameEn: "Chocolate Gift Box 300 g",
      nameZh: "巧克力礼盒 300克",
      quantity: 2,
      unitPriceMinor: 12_800,
    });
    expect(t.db.select().from(stock).where(eq(stock.sku, "DF-CHO-040")).all()[0]!.quantity).toBe(18);
    t.close();
    // On disk: it survives a reopen, and the chain verifies with the device key.
    const again = openTerminalDatabase(t.path);
    const stored = again.db.select().from(records).all();
    expect(stored).toHaveLength(1);
    const chain = verifyChain(
      stored.map((r) => new Uint8Array(r.bytes)),
      { terminalId: t.terminalId, flight: FLIGHT, publicKey: t.signer.publicKey, verifier: createNodeVerifier(), anchor: GENESIS_ANCHOR },
    );
    expect(chain.ok).toBe(true);
    again.close();
  });

  it("lets a voucher buy until its cap is reached, then says how much is left", () => {
    const t = setup();
    const v = voucher();
    const sell = (sku: string, quantity = 1) => charge(t.db, t.flight, t.crew, [{ sku, quantity }], v.text, IN_FLIGHT);
    expect(sell("DF-CHO-040", 3)).toMatchObject({ ok: true, receipt: { remainingCapMinor: 50_000 - 38_400 } });
    expect(sell("DF-CHO-040")).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 11_600 });
    expect(sell("DR-COF-300", 5)).toMatchObject({ ok: true, receipt: { remainingCapMinor: 1_600 } });
    expect(sell("DR-COF-300")).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 1_600 });
    t.close();
  });

  it("declines with a reason crew can act on, for every decline reason", async () => {
    const t = setup({
      limits: { capMinorMax: 200_000, saleMinorMax: 100_000, saleLinesMax: 2 },
      revokedVoucherIds: ["0193c19a-5c00-7000-8000-00000000dead"],
    });
    const ok = voucher().text;
    const one = [{ sku: "DR-COF-300", quantity: 1 }];
    const reasons = new Map<string, string>();
    const expectDecline = (reason: string, result: ReturnType<typeof charge>) => {
      expect(result.ok ? "approved" : result.reason, reason).toBe(reason);
      reasons.set(reason, result.ok ? "" : result.detail);
    };
    expectDecline("not_logged_in", charge(t.db, t.flight, { ...t.crew, crew: undefined }, one, ok, IN_FLIGHT));
    expectDecline("empty_cart", charge(t.db, t.flight, t.crew, [], ok, IN_FLIGHT));
    expectDecline("unknown_item", charge(t.db, t.flight, t.crew, [{ sku: "NOPE", quantity: 1 }], ok, IN_FLIGHT));
    expectDecline(
      "too_many_lines",
      charge(
        t.db,
        t.flight,
        t.crew,
        [
          { sku: "DR-COF-300", quantity: 1 },
          { sku: "DF-CHO-040", quantity: 1 },
          { sku: "DF-WAT-020", quantity: 1 },
        ],
        ok,
        IN_FLIGHT,
      ),
    );
    expectDecline(
      "over_sale_limit",
      charge(t.db, t.flight, t.crew, [{ sku: "DF-WAT-020", quantity: 1 }], voucher({ cap: money(200_000, "CNY") }).text, IN_FLIGHT),
    );
    expectDecline("malformed", charge(t.db, t.flight, t.crew, one, "hello", IN_FLIGHT));
    expectDecline("unsupported", charge(t.db, t.flight, t.crew, one, ok.replace("CP2:", "CP9:"), IN_FLIGHT));
    expectDecline("forged", charge(t.db, t.flight, t.crew, one, voucher({}, createNobleSigner(generateSecretKey())).text, IN_FLIGHT));
    expectDecline("other_flight", charge(t.db, t.flight, t.crew, one, voucher({ flight: { ...FLIGHT, number: "8851" } }).text, IN_FLIGHT));
    expectDecline(
      "not_yet_valid",
      charge(
        t.db,
        t.flight,
        t.crew,
        one,
        voucher({ validFromMs: IN_FLIGHT + 3_600_000, validUntilMs: IN_FLIGHT + 7_200_000 }).text,
        IN_FLIGHT,
      ),
    );
    expectDecline(
      "expired",
      charge(
        t.db,
        t.flight,
        t.crew,
        one,
        voucher({ validFromMs: IN_FLIGHT - 7_200_000, validUntilMs: IN_FLIGHT - 3_600_000 }).text,
        IN_FLIGHT,
      ),
    );
    expectDecline(
      "revoked",
      charge(t.db, t.flight, t.crew, one, voucher({ voucherId: "0193c19a-5c00-7000-8000-00000000dead" }).text, IN_FLIGHT),
    );
    expectDecline(
      "over_cap",
      charge(t.db, t.flight, t.crew, [{ sku: "DF-CHO-040", quantity: 4 }], voucher({ cap: money(50_000, "CNY") }).text, IN_FLIGHT),
    );
    const rich = voucher({ cap: money(200_000, "CNY") }).text;
    expect(charge(t.db, t.flight, t.crew, [{ sku: "DR-COF-300", quantity: 50 }], rich, IN_FLIGHT).ok).toBe(true);
    expectDecline("no_stock", charge(t.db, t.flight, t.crew, [{ sku: "DR-COF-300", quantity: 11 }], rich, IN_FLIGHT));
    // The phone's rotating code: a still picture of a phone-bound voucher, then old, early, forged and replayed codes.
    const phone = createPortableDeviceSigner();
    const bound = issueVoucher(claimsOf({ devicePublicKey: phone.publicKey }), issuerKey);
    const code = (nowMs: number, counter: number, signer: DeviceSigner = phone) =>
      makeRotatingCode(bound.bytes, { nowMs, periodS: 30, counter }, signer);
    expectDecline("phone_code_required", charge(t.db, t.flight, t.crew, one, bound.text, IN_FLIGHT));
    expectDecline("code_expired", charge(t.db, t.flight, t.crew, one, await code(IN_FLIGHT - 120_000, 1), IN_FLIGHT));
    expectDecline("code_not_yet_valid", charge(t.db, t.flight, t.crew, one, await code(IN_FLIGHT + 300_000, 2), IN_FLIGHT));
    const impostor = { publicKey: phone.publicKey, sign: createPortableDeviceSigner().sign };
    expectDecline("code_forged", charge(t.db, t.flight, t.crew, one, await code(IN_FLIGHT, 3, impostor), IN_FLIGHT));
    const paid = await code(IN_FLIGHT, 4);
    expect(charge(t.db, t.flight, t.crew, one, paid, IN_FLIGHT).ok).toBe(true);
    expectDecline("code_replayed", charge(t.db, t.flight, t.crew, one, paid, IN_FLIGHT));
    // A flight whose policy is live codes only: a printed voucher does not pay there.
    const codesOnly = setup({ codePolicy: "codes_only" });
    expectDecline("printed_not_accepted", charge(codesOnly.db, codesOnly.flight, codesOnly.crew, one, voucher().text, IN_FLIGHT));
    expect(charge(codesOnly.db, codesOnly.flight, codesOnly.crew, one, await code(IN_FLIGHT, 5), IN_FLIGHT).ok).toBe(true);
    codesOnly.close();
    // A HKD voucher on this CNY flight, which has no HKD rate loaded.
    expectDecline("no_rate", charge(t.db, t.flight, t.crew, one, voucher({ cap: money(10_000, "HKD") }).text, IN_FLIGHT));
    expect(closeService(t.db, t.flight, t.purser, IN_FLIGHT).ok).toBe(true);
    expectDecline("service_closed", charge(t.db, t.flight, t.crew, one, ok, IN_FLIGHT));
    expect(new Set(reasons.keys())).toEqual(new Set(DECLINE_REASONS));
    for (const detail of reasons.values()) expect(detail.length).toBeGreaterThan(5);
    // Nothing declined was written: only the two approved sales and the close record.
    expect(
      t.db
        .select()
        .from(records)
        .all()
        .map((r) => r.kind),
    ).toEqual(["sale", "sale", "close"]);
    t.close();
  });

  it("declines a voucher whose signature fails as forged, whatever else is wrong, and writes nothing", async () => {
    const t = setup();
    // Checked on the second core while the record is signed: a started worker answers these.
    await secondCore.started();
    const altered = (claims: Partial<VoucherClaims>) => {
      const bytes = issueVoucher(claimsOf(claims), issuerKey).bytes.slice();
      bytes[bytes.length - 1]! ^= 1;
      return bytes;
    };
    const text = (bytes: Uint8Array) => VOUCHER_TEXT_PREFIX + base45Encode(bytes);
    const sell = (cart: { sku: string; quantity: number }[], scanned: string) => charge(t.db, t.flight, t.crew, cart, scanned, IN_FLIGHT);
    const reasonOf = (result: ReturnType<typeof sell>) => (result.ok ? "approved" : result.reason);
    const coffee = [{ sku: "DR-COF-300", quantity: 1 }];
    expect(reasonOf(sell(coffee, text(altered({}))))).toBe("forged");
    // Over its cap, out of stock, in a currency the flight has no rate for: still forged, and the cap never told.
    const overCap = sell([{ sku: "DF-CHO-040", quantity: 4 }], text(altered({})));
    expect(overCap).toEqual({ ok: false, reason: "forged", detail: expect.any(String) });
    expect(reasonOf(sell([{ sku: "DR-COF-300", quantity: 61 }], text(altered({ cap: money(200_000, "CNY") }))))).toBe("forged");
    expect(reasonOf(sell(coffee, text(altered({ cap: money(10_000, "HKD") }))))).toBe("forged");
    // A phone's live code around an altered voucher: the phone's signature holds, the voucher's does not, even replayed.
    const phone = createPortableDeviceSigner();
    const code = await makeRotatingCode(
      altered({ devicePublicKey: phone.publicKey }),
      { nowMs: IN_FLIGHT, periodS: 30, counter: 1 },
      phone,
    );
    expect(reasonOf(sell(coffee, code))).toBe("forged");
    expect(reasonOf(sell(coffee, code))).toBe("forged");
    // The same voucher unaltered pays: the worker's "no" was about the signature alone.
    const good = issueVoucher(claimsOf({}), issuerKey).text;
    expect(reasonOf(sell(coffee, good))).toBe("approved");
    // Written while the signature was checked, rolled back when it failed: only the good sale is left.
    expect(t.db.select().from(records).all()).toHaveLength(1);
    expect(t.db.select().from(stock).where(eq(stock.sku, "DR-COF-300")).get()?.quantity).toBe(59);
    expect(
      t.db
        .select()
        .from(voucherUsage)
        .all()
        .map((row) => row.spentMinor),
    ).toEqual([2_000]);
    expect(t.sqlite.prepare("SELECT count(*) AS n FROM taken_codes").get()).toEqual({ n: 0 });
    t.close();
  });

  it("spends a CNY voucher on a HKD flight at the manifest's rate, rounded half up, and gives a void back exactly", () => {
    const rate = { currency: "CNY" as const, rateMicros: 912_300, source: "airline treasury" };
    const t = setup({ currency: "HKD", rates: [rate] });
    const v = voucher({ cap: money(10_000, "CNY") });
    const sell = (sku: string, quantity = 1) => charge(t.db, t.flight, t.crew, [{ sku, quantity }], v.text, IN_FLIGHT);
    // HK$20.00 coffee: CN¥18.246 → CN¥18.25.
    const coffee = sell("DR-COF-300");
    expect(coffee).toMatchObject({
      ok: true,
      receipt: {
        totalMinor: 2_000,
        currency: "HKD",
        chargedMinor: 1_825,
        chargedCurrency: "CNY",
        rate: { text: "1 HKD = 0.9123 CNY", source: "airline treasury" },
        remainingCapMinor: 10_000 - 1_825,
      },
    });
    // HK$128.00 is CN¥116.77: over what is left (CN¥81.75), in the voucher's currency.
    expect(sell("DF-CHO-040")).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 8_175, remainingCurrency: "CNY" });
    if (!coffee.ok) throw new Error(coffee.detail);
    expect(voidSale(t.db, t.flight, t.purser, { saleRecordId: coffee.receipt.recordId, reason: "wrong_item" }, IN_FLIGHT)).toMatchObject({
      ok: true,
    });
    expect(sell("DR-COF-300")).toMatchObject({ ok: true, receipt: { remainingCapMinor: 10_000 - 1_825 } });
    t.close();
  });

  it("lets the purser void a sale once: stock and cap come back", () => {
    const t = setup();
    const v = voucher();
    const sale = charge(t.db, t.flight, t.crew, [{ sku: "DF-CHO-040", quantity: 3 }], v.text, IN_FLIGHT);
    if (!sale.ok) throw new Error(sale.detail);
    expect(voidSale(t.db, t.flight, t.crew, { saleRecordId: sale.receipt.recordId, reason: "wrong_item" }, IN_FLIGHT)).toMatchObject({
      ok: false,
      reason: "not_purser",
    });
    expect(voidSale(t.db, t.flight, t.purser, { saleRecordId: sale.receipt.recordId, reason: "wrong_item" }, IN_FLIGHT)).toMatchObject({
      ok: true,
    });
    expect(voidSale(t.db, t.flight, t.purser, { saleRecordId: sale.receipt.recordId, reason: "wrong_item" }, IN_FLIGHT)).toMatchObject({
      ok: false,
      reason: "already_voided",
    });
    expect(voidSale(t.db, t.flight, t.purser, { saleRecordId: newId(), reason: "wrong_item" }, IN_FLIGHT)).toMatchObject({
      ok: false,
      reason: "no_such_sale",
    });
    expect(t.db.select().from(stock).where(eq(stock.sku, "DF-CHO-040")).all()[0]!.quantity).toBe(20);
    expect(charge(t.db, t.flight, t.crew, [{ sku: "DF-CHO-040", quantity: 3 }], v.text, IN_FLIGHT)).toMatchObject({
      ok: true,
      receipt: { remainingCapMinor: 50_000 - 38_400 },
    });
    t.close();
  });

  it("lets the purser refund some items of a sale, never more than was sold; a refunded sale cannot be voided", () => {
    const t = setup();
    const v = voucher();
    const sale = charge(
      t.db,
      t.flight,
      t.crew,
      [
        { sku: "DF-CHO-040", quantity: 2 },
        { sku: "DR-COF-300", quantity: 1 },
      ],
      v.text,
      IN_FLIGHT,
    );
    if (!sale.ok) throw new Error(sale.detail);
    const saleId = sale.receipt.recordId;
    const one = [{ sku: "DF-CHO-040", quantity: 1 }];
    expect(refundSale(t.db, t.flight, t.crew, { saleRecordId: saleId, reason: "damaged" }, one, IN_FLIGHT)).toMatchObject({
      ok: false,
      reason: "not_purser",
    });
    expect(
      refundSale(t.db, t.flight, t.purser, { saleRecordId: saleId, reason: "damaged" }, [{ sku: "DF-WAT-020", quantity: 1 }], IN_FLIGHT),
    ).toMatchObject({
      ok: false,
      reason: "not_in_sale",
    });
    expect(
      refundSale(t.db, t.flight, t.purser, { saleRecordId: saleId, reason: "damaged" }, [{ sku: "DF-CHO-040", quantity: 3 }], IN_FLIGHT),
    ).toMatchObject({
      ok: false,
      reason: "more_than_sold",
    });
    expect(refundSale(t.db, t.flight, t.purser, { saleRecordId: saleId, reason: "damaged" }, one, IN_FLIGHT)).toMatchObject({
      ok: true,
      totalMinor: 12_800,
    });
    // Stock back on the trolley, the amount back on the voucher.
    expect(t.db.select().from(stock).where(eq(stock.sku, "DF-CHO-040")).all()[0]!.quantity).toBe(19);
    expect(voidSale(t.db, t.flight, t.purser, { saleRecordId: saleId, reason: "wrong_item" }, IN_FLIGHT)).toMatchObject({
      ok: false,
      reason: "refunded",
    });
    expect(
      refundSale(t.db, t.flight, t.purser, { saleRecordId: saleId, reason: "damaged" }, [{ sku: "DF-CHO-040", quantity: 2 }], IN_FLIGHT),
    ).toMatchObject({
      ok: false,
      reason: "more_than_sold",
    });
    expect(refundSale(t.db, t.flight, t.purser, { saleRecordId: saleId, reason: "damaged" }, one, IN_FLIGHT)).toMatchObject({ ok: true });
    const [listed] = listSales(t.db, t.flight);
    expect(listed).toMatchObject({ recordId: saleId, voided: false, refundedMinor: 25_600, refundable: { "DR-COF-300": 1 } });
    const again = charge(t.db, t.flight, t.crew, [{ sku: "DF-CHO-040", quantity: 3 }], v.text, IN_FLIGHT);
    expect(again).toMatchObject({ ok: true, receipt: { remainingCapMinor: 50_000 - 2_000 - 38_400 } });
    const closed = closeService(t.db, t.flight, t.purser, IN_FLIGHT);
    if (!closed.ok) throw new Error(closed.detail);
    expect(closed.report).toMatchObject({
      sales: { count: 2, totalMinor: 25_600 + 2_000 + 38_400 },
      refunds: { count: 2, totalMinor: 25_600 },
      netMinor: 2_000 + 38_400,
      byCategory: { duty_free: 38_400, drink: 2_000 },
      byCrew: { C1002: { count: 2, totalMinor: 2_000 + 38_400 } },
    });
    expect(
      refundSale(t.db, t.flight, t.purser, { saleRecordId: saleId, reason: "damaged" }, [{ sku: "DR-COF-300", quantity: 1 }], IN_FLIGHT),
    ).toMatchObject({
      ok: false,
      reason: "service_closed",
    });
    // The ground accepts the whole chain, refunds included.
    const chain = t.db.select().from(records).orderBy(records.sequence).all();
    expect(chain.map((r) => r.kind)).toEqual(["sale", "refund", "refund", "sale", "close"]);
    const verified = verifyChain(
      chain.map((r) => new Uint8Array(r.bytes)),
      { terminalId: t.terminalId, flight: FLIGHT, publicKey: t.signer.publicKey, verifier: createNodeVerifier(), anchor: GENESIS_ANCHOR },
    );
    expect(verified.ok && verified.records.filter((r) => r.kind === "refund").map((r) => r.referencedRecordId)).toEqual([saleId, saleId]);
    t.close();
  });

  it("closes the service with an end-of-service report; the chain ends with the close record", () => {
    const t = setup();
    const a = voucher();
    const b = voucher({ passengerName: "李娜", seat: "1K" });
    charge(t.db, t.flight, t.crew, [{ sku: "DF-CHO-040", quantity: 1 }], a.text, IN_FLIGHT);
    charge(t.db, t.flight, t.purser, [{ sku: "DR-COF-300", quantity: 2 }], b.text, IN_FLIGHT);
    const voided = charge(t.db, t.flight, t.crew, [{ sku: "DR-COF-300", quantity: 1 }], b.text, IN_FLIGHT);
    if (!voided.ok) throw new Error(voided.detail);
    voidSale(t.db, t.flight, t.purser, { saleRecordId: voided.receipt.recordId, reason: "wrong_item" }, IN_FLIGHT);
    expect(closeService(t.db, t.flight, t.crew, IN_FLIGHT)).toMatchObject({ ok: false, reason: "not_purser" });
    const closed = closeService(t.db, t.flight, t.purser, IN_FLIGHT);
    if (!closed.ok) throw new Error(closed.detail);
    expect(closed.report).toMatchObject({
      sales: { count: 2, totalMinor: 12_800 + 4_000 },
      voids: { count: 1, totalMinor: 2_000 },
      refunds: { count: 0, totalMinor: 0 },
      netMinor: 12_800 + 4_000,
      byCategory: { duty_free: 12_800, drink: 4_000 },
      byCrew: { C1002: { count: 1, totalMinor: 12_800 }, C1001: { count: 1, totalMinor: 4_000 } },
      stockLeft: { "DF-CHO-040": 19, "DR-COF-300": 58, "DF-WAT-020": 2 },
    });
    expect(serviceReport(t.db, t.flight)).toEqual(closed.report);
    const chain = t.db.select().from(records).orderBy(records.sequence).all();
    expect(chain.map((r) => r.kind)).toEqual(["sale", "sale", "sale", "void", "close"]);
    expect(
      verifyChain(
        chain.map((r) => new Uint8Array(r.bytes)),
        { terminalId: t.terminalId, flight: FLIGHT, publicKey: t.signer.publicKey, verifier: createNodeVerifier(), anchor: GENESIS_ANCHOR },
      ).ok,
    ).toBe(true);
    t.close();
  });
});
