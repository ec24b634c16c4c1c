/**
 * Phone-bound vouchers on the ground: registered with the phone's key, the voucher carries it;
 * sales paid with the phone's codes settle, a code pays once, a code the phone did not sign is
 * refused, and a leaked issuer key cannot bind a voucher to another phone.
 */
import { createPortableDeviceSigner, type DeviceSigner, decodeVoucherText, issueVoucher, makeRotatingCode } from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accounts } from "../src/db/schema/ledger.js";
import { settlements } from "../src/db/schema/uploads.js";
import type { Settlement } from "../src/jobs/settlement.js";
import { buildManifest } from "../src/services/manifests.js";
import { bearer, call, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { assertMoneyInvariants, settled, startWorker } from "./support/settle.js";

const COFFEE = [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }];

describe("phone-bound vouchers and rotating codes on the ground", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let flightId: string;
  let worker: Settlement | undefined;
  const phone = createPortableDeviceSigner();
  let voucherBytes: Uint8Array;
  let holder: { token: string; passengerId: string };
  /** Trolley B's terminal, enrolled by the race test and used again after it. */
  let trolleyB: CabinTerminal;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    keys = await staffKeys(t);
    ({ flightId } = await createFlight(t, keys.ops));
    await loadFlight(t, keys.ops, flightId);
    holder = await passenger(t, keys.ops, 50_000);
    worker = await startWorker(t);
  });
  afterAll(async () => {
    await worker?.close();
    await t.close();
  });

  const registerWith = (token: string, devicePublicKey: string) =>
    t.app.inject({
      method: "POST",
      url: "/registrations",
      headers: bearer(token),
      payload: { flightId, capMinor: 20_000, devicePublicKey },
    });
  const codeAt = (nowMs: number, counter: number, signer: DeviceSigner = phone) =>
    makeRotatingCode(voucherBytes, { nowMs, periodS: 30, counter }, signer);

  it("binds the voucher to the phone that registered, and refuses a key that is no P-256 point, holding nothing", async () => {
    const someone = await passenger(t, keys.ops, 30_000);
    const bad = Buffer.from(Uint8Array.of(5, ...new Uint8Array(32).fill(7))).toString("base64url");
    const refused = await registerWith(someone.token, bad);
    expect([refused.statusCode, refused.json().code]).toEqual([400, "device_key_invalid"]);
    const [wallet] = await t.db.select().from(accounts).where(eq(accounts.ownerId, someone.passengerId));
    expect(wallet!.debitsPendingMinor).toBe(0);

    const created = await registerWith(holder.token, Buffer.from(phone.publicKey).toString("base64url"));
    expect(created.statusCode).toBe(201);
    expect(created.json().deviceBound).toBe(true);
    const decoded = decodeVoucherText(created.json().voucherText);
    if (!decoded.ok) throw new Error(decoded.detail);
    expect(decoded.voucher.devicePublicKey).toEqual(phone.publicKey);
    voucherBytes = decoded.bytes;
  });

  it("settles a sale paid with the phone's code, refuses the same code twice and a code the phone did not make", async () => {
    const cabin = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId), flightId);
    const inFlight = DEPARTURE_MS + 3_600_000;
    const first = await codeAt(inFlight, 1);
    const paid = cabin.saleWithCode(first, COFFEE);
    // The same code shown on another trolley within its window: the terminal there did not know.
    const again = cabin.saleWithCode(first, COFFEE);
    const thief = createPortableDeviceSigner();
    const forged = cabin.saleWithCode(await codeAt(inFlight, 2, { publicKey: phone.publicKey, sign: thief.sign }), COFFEE);
    const next = cabin.saleWithCode(await codeAt(inFlight + 40_000, 3), COFFEE);
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    const answer = (await cabin.upload()).json();
    const outcome = (id: string) => answer.records.find((r: { recordId: string }) => r.recordId === id);
    expect(outcome(paid.recordId)).toMatchObject({ outcome: "accepted" });
    expect(outcome(again.recordId)).toMatchObject({ outcome: "rejected", reason: "code_reused" });
    expect(outcome(forged.recordId)).toMatchObject({ outcome: "rejected", reason: "code_forged" });
    expect(outcome(next.recordId)).toMatchObject({ outcome: "accepted" });
    await settled(t, flightId);
    const [row] = await t.db.select().from(settlements).where(eq(settlements.recordId, paid.recordId));
    expect(row).toMatchObject({ status: "debited", fromHoldMinor: 2_000 });
    await assertMoneyInvariants(t, false);
  });

  it("takes one code once when two trolleys upload it at the same moment: one sale accepted, the other refused, no 500", async () => {
    trolleyB = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId, "B"), flightId, undefined, "B");
    // Trolley A's terminal (the test before) is swapped for a fresh one: ops release it first.
    await call(t.app, { method: "POST", url: `/ops/flights/${flightId}/trolleys/A/release`, headers: bearer(keys.ops) }, 200);
    const trolleyC = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId, "A"), flightId);
    const shared = await codeAt(DEPARTURE_MS + 3_600_000 + 90_000, 50);
    const onB = trolleyB.saleWithCode(shared, COFFEE);
    const onC = trolleyC.saleWithCode(shared, COFFEE);
    const answers = await Promise.all([trolleyB.upload(), trolleyC.upload()]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    const outcomes = [
      answers[0]!.json().records.find((r: { recordId: string }) => r.recordId === onB.recordId),
      answers[1]!.json().records.find((r: { recordId: string }) => r.recordId === onC.recordId),
    ].map((r: { outcome: string; reason?: string }) => `${r.outcome}${r.reason === undefined ? "" : `:${r.reason}`}`);
    expect(outcomes.sort()).toEqual(["accepted", "rejected:code_reused"]);
  });

  it("carries the flight's code policy set by ops in the next manifest", async () => {
    const url = `/ops/flights/${flightId}/code-policy`;
    const passengerTry = await t.app.inject({ method: "PUT", url, headers: bearer(holder.token), payload: { codePolicy: "codes_only" } });
    expect(passengerTry.statusCode).toBe(403);
    const bad = await t.app.inject({ method: "PUT", url, headers: bearer(keys.ops), payload: { codePolicy: "anything" } });
    expect(bad.statusCode).toBe(400);
    const set = await call(t.app, { method: "PUT", url, headers: bearer(keys.ops), payload: { codePolicy: "codes_only" } }, 200);
    expect(set.json().codePolicy).toBe("codes_only");
    const manifest = await buildManifest(t.db, t.infra.keys, flightId, t.clock.nowMs);
    expect(manifest.codePolicy).toBe("codes_only");
    // Passengers see it when they look the flight up: the page then only offers the phone.
    const found = (
      await call(t.app, { method: "GET", url: "/flights?carrier=9C&number=8850&date=2026-12-01", headers: bearer(holder.token) }, 200)
    ).json();
    expect(found.flights[0].codePolicy).toBe("codes_only");
  });

  it("refuses a voucher a leaked issuer key bound to another phone: the registration names the phone", async () => {
    const decoded = decodeVoucherText(
      (await call(t.app, { method: "GET", url: "/registrations", headers: bearer(holder.token) }, 200)).json().registrations[0].voucherText,
    );
    if (!decoded.ok) throw new Error(decoded.detail);
    const thief = createPortableDeviceSigner();
    // The issuer key's holder re-signs the same claims with the thief's phone key.
    const { signature: _s, signedBytes: _b, formatVersion: _v, issuerKeyId: _k, ...claims } = decoded.voucher;
    const leaked = t.infra.keys.issuerSigner(decoded.voucher.issuerKeyId)!;
    const rebound = issueVoucher({ ...claims, devicePublicKey: thief.publicKey }, leaked);
    const cabin = trolleyB;
    const sale = cabin.saleWithCode(
      await makeRotatingCode(rebound.bytes, { nowMs: DEPARTURE_MS + 3_600_000, periodS: 30, counter: 1 }, thief),
      COFFEE,
    );
    const answer = (await cabin.upload()).json();
    expect(answer.records.find((r: { recordId: string }) => r.recordId === sale.recordId)).toMatchObject({
      outcome: "rejected",
      reason: "voucher_mismatch",
    });
  });
});
