/** The TerminalApi end to end: a crew's whole journey through the one surface, against the real ground. */

import { DEPARTURE_MS } from "@cabinpay/ground-settlement/testing/actors";
import type { TestApp } from "@cabinpay/ground-settlement/testing/app";
import { verifyReceipt } from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TerminalApi } from "../src/api/contract.js";
import { createTerminalCore } from "../src/core/api.js";
import { TerminalError } from "../src/core/errors.js";
import { tempDir } from "./support/fixtures.js";
import { groundWithFlight } from "./support/ground.js";

describe("the TerminalApi", () => {
  let t: TestApp;
  let core: TerminalApi & { close(): void };
  let groundUrl: string;
  let code: string;
  let voucherText: string;
  const progress: number[] = [];

  beforeAll(async () => {
    const ground = await groundWithFlight({ capMinor: 30_000, seat: "7D", displayName: "CHEN/JIE MS" });
    ({ t, groundUrl, voucherText } = ground);
    code = await ground.enrolmentCode();
    core = createTerminalCore({ dataDir: tempDir(), now: () => t.clock.nowMs, onUploadProgress: (p) => progress.push(p.sentRecords) });
  });
  afterAll(async () => {
    core.close();
    await t.close();
  });

  const codeOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof TerminalError) return error.code;
      throw error;
    }
    return "no error";
  };

  it("takes a crew through enrolment, loading, selling, voiding, closing and uploading", async () => {
    expect(await core["status/get"]({})).toMatchObject({ enrolled: false, flight: undefined, unsentRecords: 0 });
    expect(await core["enrolment/enrol"]({ groundUrl, code })).toMatchObject({ name: "Trolley A" });
    expect(await core["manifest/download"]({ carrier: "9C", number: "8850", date: "2026-12-01", trolleyId: "A" })).toMatchObject({
      flightKey: "9C8850/2026-12-01",
      currency: "CNY",
      trolleyId: "A",
      serviceClosed: false,
    });

    t.clock.nowMs = DEPARTURE_MS + 3_600_000;
    expect(await core["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: true, role: "purser" });
    expect(await core["cart/add"]({ sku: "DF-CHO-040" })).toMatchObject({
      totalMinor: 12_800,
      lines: [{ sku: "DF-CHO-040", quantity: 1 }],
    });
    expect((await core["cart/set"]({ sku: "DR-COF-300", quantity: 3 })).totalMinor).toBe(12_800 + 6_000);
    const sale = await core["sale/charge"]({ voucherText });
    if (!sale.ok) throw new Error(sale.detail);
    expect(sale.receipt).toMatchObject({ passengerName: "CHEN/JIE MS", seat: "7D", remainingCapMinor: 30_000 - 18_800 });
    // The passenger's signed receipt: checked offline against the ground's key alone, as a phone does.
    const groundKey = t.infra.keys.manifestSigner;
    const checked = verifyReceipt(sale.receipt.receiptQr!.text, {
      groundKeys: new Map([[groundKey.keyId, groundKey.publicKey]]),
      verifier: createNodeVerifier(),
    });
    if (!checked.ok) throw new Error(checked.detail);
    expect(checked.receipt).toMatchObject({
      kind: "sale",
      recordId: sale.receipt.recordId,
      sequence: sale.receipt.sequence,
      totalMinor: 18_800,
      capLeftMinor: 30_000 - 18_800,
      capCurrency: "CNY",
    });
    expect(checked.receipt.certificate).toMatchObject({ terminalName: "Trolley A" });
    expect((await core["status/get"]({})).cart).toMatchObject({ lines: [], totalMinor: 0 }); // emptied by the sale
    await core["cart/add"]({ sku: "DF-CHO-040" });
    expect(await core["sale/charge"]({ voucherText })).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 11_200 });
    const voided = await core["sale/void"]({ reason: "changed_mind", recordId: sale.receipt.recordId });
    if (!voided.ok) throw new Error(voided.detail);
    // The void's receipt: the whole sale given back, the cap whole again.
    const voidReceipt = verifyReceipt(voided.receiptQr!.text, {
      groundKeys: new Map([[groundKey.keyId, groundKey.publicKey]]),
      verifier: createNodeVerifier(),
    });
    expect(voidReceipt.ok && [voidReceipt.receipt.kind, voidReceipt.receipt.totalMinor, voidReceipt.receipt.capLeftMinor]).toEqual([
      "void",
      18_800,
      30_000,
    ]);
    expect(await core["status/get"]({})).toMatchObject({ crew: { crewId: "C1001" }, unsentRecords: 2 });
    const closed = await core["service/close"]({});
    expect(closed).toMatchObject({ ok: true, report: { sales: { count: 0 }, voids: { count: 1 } } });

    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect(await core["sync/upload"]({ batchSizeMax: 2 })).toMatchObject({ accepted: 3, nextSequence: 4, serviceClosed: true });
    expect(progress.at(-1)).toBe(3);
    expect(await core["status/get"]({})).toMatchObject({ unsentRecords: 0, flight: { serviceClosed: true } });
  });

  it("refuses invalid input before it reaches the core, with a stable code", async () => {
    expect(await codeOf(core["cart/add"]({ sku: "DF-CHO-040", quantity: 1000 }))).toBe("invalid_input");
    expect(await codeOf(core["cart/add"]({ sku: "NOT-SOLD-HERE" }))).toBe("invalid_input");
    expect(await codeOf(core["cart/set"]({ sku: "DF-CHO-040", quantity: -1 }))).toBe("invalid_input");
    expect(await codeOf(core["sale/charge"]({ voucherText: "x".repeat(10_000) }))).toBe("invalid_input");
    // A phone's rotating code is longer than a printed voucher (up to 452 characters): it reaches the verifier.
    expect(await codeOf(core["sale/charge"]({ voucherText: `CPC1:${"A".repeat(450)}` }))).not.toBe("invalid_input");
    expect(await codeOf(core["sale/void"]({ reason: "changed_mind", recordId: "not-a-uuid" }))).toBe("invalid_input");
    expect(await codeOf(core["crew/login"]({ crewId: "C1001", pin: "2468", extra: true } as never))).toBe("invalid_input");
    expect(await codeOf(core["enrolment/enrol"]({ groundUrl: "file:///etc/passwd", code: "AAAA-BBBB-CCCC" }))).toBe("invalid_input");
    expect(await codeOf(core["status/get"](null as never))).toBe("invalid_input");
  });
});
