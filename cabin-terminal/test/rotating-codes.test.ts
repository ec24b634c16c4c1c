/**
 * Paying with the phone's rotating code on the terminal: approved with the phone's signature kept
 * in the record; the same code refused the second time; a two-minute-old code, one from a phone
 * whose clock runs ahead, one signed by another phone, and the phone-bound voucher shown as a
 * still picture all declined with a reason crew can act on.
 */
import {
  createPortableDeviceSigner,
  type DeviceSigner,
  decodeRecord,
  generateSecretKey,
  issueVoucher,
  makeRotatingCode,
  money,
  newId,
  presentationHolds,
} from "@cabinpay/shared";
import { createNodeSigner } from "@cabinpay/shared/node";
import { describe, expect, it } from "vitest";
import { openTerminalDatabase } from "../src/core/db/open.js";
import { loadFlight, openFlight } from "../src/core/flight/load.js";
import { charge, type Seller } from "../src/core/sales/sell.js";
import { salesStatements } from "../src/core/sales/statements.js";
import { DEPARTURE_MS, enrolledDatabase, FLIGHT, issuerKey, manifestBytes } from "./support/fixtures.js";

const IN_FLIGHT = DEPARTURE_MS + 3_600_000;
const COFFEE = [{ sku: "DR-COF-300", quantity: 1 }];

function setup() {
  const opened = enrolledDatabase();
  const flight = loadFlight(opened.db, { manifestBytes: manifestBytes(), trolleyId: "A", nowMs: DEPARTURE_MS - 3_600_000 });
  const crew: Seller = {
    terminalId: newId(),
    signer: createNodeSigner(generateSecretKey()),
    crew: { crewId: "C1002", role: "crew" },
    newId,
  };
  return { ...opened, flight, crew };
}

/** A passenger's phone and the voucher the ground issued to it. */
function phoneWithVoucher(phone: DeviceSigner = createPortableDeviceSigner()) {
  const voucherId = newId();
  const { bytes, text } = issueVoucher(
    {
      voucherId,
      accountRef: newId(),
      flight: FLIGHT,
      cap: money(50_000, "CNY"),
      validFromMs: DEPARTURE_MS - 86_400_000,
      validUntilMs: DEPARTURE_MS + 86_400_000,
      passengerName: "LIU/YANG MS",
      seat: "14C",
      devicePublicKey: phone.publicKey,
    },
    issuerKey,
  );
  const code = (nowMs: number, counter: number, signer: DeviceSigner = phone) =>
    makeRotatingCode(bytes, { nowMs, periodS: 30, counter }, signer);
  return { voucherId, phone, bytes, staticText: text, code };
}

describe("paying with the phone's rotating code", () => {
  it("approves it, says a phone paid, and keeps the phone's signature in the signed record", async () => {
    const t = setup();
    const phone = phoneWithVoucher();
    const result = charge(t.db, t.flight, t.crew, COFFEE, await phone.code(IN_FLIGHT, 1), IN_FLIGHT + 2_000);
    if (!result.ok) throw new Error(result.detail);
    expect(result.receipt).toMatchObject({ presented: "code", passengerName: "LIU/YANG MS", seat: "14C", totalMinor: 2_000 });
    const row = t.sqlite.prepare("SELECT bytes FROM records WHERE record_id = ?").get(result.receipt.recordId) as { bytes: Buffer };
    const decoded = decodeRecord(new Uint8Array(row.bytes));
    if (!decoded.ok) throw new Error(decoded.detail);
    expect(decoded.record.voucherBytes).toEqual(phone.bytes);
    expect(presentationHolds(phone.bytes, decoded.record.presentation!)).toBe(true);
  });

  it("takes a code once; the phone's next code pays again", async () => {
    const t = setup();
    const phone = phoneWithVoucher();
    const first = await phone.code(IN_FLIGHT, 1);
    expect(charge(t.db, t.flight, t.crew, COFFEE, first, IN_FLIGHT)).toMatchObject({ ok: true });
    expect(charge(t.db, t.flight, t.crew, COFFEE, first, IN_FLIGHT + 1_000)).toMatchObject({ ok: false, reason: "code_replayed" });
    expect(charge(t.db, t.flight, t.crew, COFFEE, await phone.code(IN_FLIGHT, 2), IN_FLIGHT + 2_000)).toMatchObject({ ok: true });
    // The refusal wrote nothing: two sales, two codes taken.
    expect(t.sqlite.prepare("SELECT count(*) AS n FROM records").get()).toEqual({ n: 2 });
    expect(t.sqlite.prepare("SELECT count(*) AS n FROM taken_codes").get()).toEqual({ n: 2 });
    expect(salesStatements(t.db).usage.get(t.flight.flightKey, phone.voucherId)).toEqual({ spent_minor: 4_000 });
  });

  it("declines an old code, a phone clock far ahead, another phone's signature and a still picture, each saying what to do", async () => {
    const t = setup();
    const phone = phoneWithVoucher();
    const stale = await phone.code(IN_FLIGHT - 120_000, 1);
    expect(charge(t.db, t.flight, t.crew, COFFEE, stale, IN_FLIGHT)).toMatchObject({ ok: false, reason: "code_expired" });
    const ahead = await phone.code(IN_FLIGHT + 5 * 60_000, 2);
    expect(charge(t.db, t.flight, t.crew, COFFEE, ahead, IN_FLIGHT)).toMatchObject({ ok: false, reason: "code_not_yet_valid" });
    const thief = createPortableDeviceSigner();
    const impostor = await phone.code(IN_FLIGHT, 3, { publicKey: phone.phone.publicKey, sign: thief.sign });
    expect(charge(t.db, t.flight, t.crew, COFFEE, impostor, IN_FLIGHT)).toMatchObject({ ok: false, reason: "code_forged" });
    expect(charge(t.db, t.flight, t.crew, COFFEE, phone.staticText, IN_FLIGHT)).toMatchObject({
      ok: false,
      reason: "phone_code_required",
    });
    expect(t.sqlite.prepare("SELECT count(*) AS n FROM records").get()).toEqual({ n: 0 });
  });

  it("keeps the codes it took across a restart", async () => {
    const t = setup();
    const phone = phoneWithVoucher();
    const code = await phone.code(IN_FLIGHT, 9);
    expect(charge(t.db, t.flight, t.crew, COFFEE, code, IN_FLIGHT)).toMatchObject({ ok: true });
    t.close();
    const again = openTerminalDatabase(t.path);
    const flight = openFlight(again.db, t.flight.flightKey);
    expect(charge(again.db, flight, t.crew, COFFEE, code, IN_FLIGHT + 1_000)).toMatchObject({ ok: false, reason: "code_replayed" });
    again.close();
  });
});
