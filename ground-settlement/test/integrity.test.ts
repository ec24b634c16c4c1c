/**
 * Money integrity against insiders, leaked keys and races (issue 15): every money movement is
 * bound to the evidence that justifies it, whatever a terminal with a leaked device key signs, a
 * leaked issuer key forges, or two requests at once race for. After each case the money audit
 * runs: every sale collected at most once and from its own registration, every reversal credited
 * to the registration its sale was collected from, the ledger zero-sum per currency.
 */
import { decodeVoucherText, fromBase64Url, issueVoucher, keyIdOf, money, type SaleRecord, verifyManifest } from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flights } from "../src/db/schema/flights.js";
import { registrations } from "../src/db/schema/registrations.js";
import { saleRecords, settlements } from "../src/db/schema/uploads.js";
import type { Settlement } from "../src/jobs/settlement.js";
import { releaseHoldsOfClosedFlights } from "../src/services/flight-close.js";
import { settleChunks } from "../src/services/settlement.js";
import { bearer, call, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { assertMoneyInvariants, settled, startWorker, waitFor } from "./support/settle.js";

const line = (sku: string, unitPriceMinor: number, quantity = 1) => ({ sku, quantity, unitPriceMinor });
const LANDED_MS = DEPARTURE_MS + 3 * 3_600_000;

describe("money integrity against insiders, leaked keys and races", () => {
  let t: TestApp;
  let ops: string;
  let worker: Settlement;
  let flightCount = 0;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    ({ ops } = await staffKeys(t));
    worker = await startWorker(t);
  });
  afterAll(async () => {
    await worker.close();
    await t.close();
  });

  /** A fresh loaded flight with one terminal, so each case has its own money to audit. */
  async function world() {
    flightCount += 1;
    t.clock.nowMs = DEPARTURE_MS - 5 * 3_600_000;
    const number = String(7000 + flightCount);
    const { flightId } = await createFlight(t, ops, { number });
    await loadFlight(t, ops, flightId);
    const terminal = await enrolTerminal(t, ops, flightId);
    const cabin = new CabinTerminal(t, terminal, flightId, { carrier: "9C", number, date: "2026-12-01" });
    const who = async (fundedMinor: number, capMinor: number, name = "ZHANG/WEIMING MR") => {
      const p = await passenger(t, ops, fundedMinor, name);
      const registration = await register(t, p.token, flightId, capMinor);
      return { ...p, ...registration };
    };
    const manifest = async () => {
      const response = await call(t.app, terminal.request("GET", `/terminal/flights/${flightId}/manifest`), 200);
      const verified = verifyManifest(response.rawPayload, {
        manifestKey: fromBase64Url(terminal.manifestPublicKey)!,
        verifier: createNodeVerifier(),
        nowMs: t.clock.nowMs,
        clockToleranceMs: 60_000,
        flight: { carrier: "9C", number, date: "2026-12-01" },
      });
      if (!verified.ok) throw new Error(`manifest refused: ${verified.reason}`);
      return verified.manifest;
    };
    return { flightId, cabin, terminal, who, manifest };
  }
  const wallet = async (token: string) =>
    (await call(t.app, { method: "GET", url: "/me", headers: bearer(token) }, 200)).json().wallets[0] as {
      postedMinor: number;
      heldMinor: number;
      availableMinor: number;
    };
  const outcomes = (response: { json(): { records: { sequence: number; outcome: string; reason?: string }[] } }) =>
    response.json().records.map((r) => `${r.sequence}:${r.outcome}${r.reason === undefined ? "" : `:${r.reason}`}`);
  const settlementOf = async (record: SaleRecord) =>
    (await t.db.select().from(settlements).where(eq(settlements.recordId, record.recordId)))[0]!;

  describe("1. reversals are bound to their sale", () => {
    it("refuses a refund or void naming another voucher or currency, and credits no one", async () => {
      const { flightId, cabin, who } = await world();
      const victim = await who(100_000, 50_000);
      const thief = await who(10_000, 1_000);
      cabin.sale(victim.voucherText, [line("DF-CHO-040", 12_800)]);
      const sale = cabin.records[0]!;
      t.clock.nowMs = LANDED_MS;
      // A terminal with a leaked device key signs reversals of the victim's sale that name the thief.
      cabin.refund(sale, [line("DF-CHO-040", 12_800)], "C1001", { voucherId: thief.registrationId });
      cabin.void(sale, "C1001", { voucherId: thief.registrationId });
      cabin.refund(sale, [line("DF-CHO-040", 12_800)], "C1001", { currency: "HKD" });
      const upload = await cabin.upload();
      expect(upload.statusCode).toBe(200);
      expect(outcomes(upload)).toEqual([
        "1:accepted",
        "2:rejected:reversal_mismatch",
        "3:rejected:reversal_mismatch",
        "4:rejected:reversal_mismatch",
      ]);
      await settled(t, flightId);
      expect(await wallet(thief.token)).toMatchObject({ postedMinor: 10_000, availableMinor: 9_000 });
      expect(await wallet(victim.token)).toMatchObject({ postedMinor: 100_000 - 12_800 });
      await assertMoneyInvariants(t, true);
    });

    it("credits the registration the sale was collected from, whatever voucher a stored reversal names", async () => {
      const { flightId, cabin, who } = await world();
      const buyer = await who(100_000, 50_000);
      const other = await who(10_000, 1_000);
      const sale = cabin.sale(buyer.voucherText, [line("DF-CHO-040", 12_800)]);
      t.clock.nowMs = LANDED_MS;
      expect((await cabin.upload()).statusCode).toBe(200);
      await settled(t, flightId);
      expect(await settlementOf(sale)).toMatchObject({ status: "debited", registrationId: buyer.registrationId });
      // A void accepted at ingest, then its row pointed at another voucher (a bypass of ingest, a bug,
      // an insider with database access): settlement must still credit the buyer.
      const voided = cabin.void(sale);
      await worker.close();
      expect((await cabin.upload(cabin.batch(2, 2))).statusCode).toBe(200);
      await t.db.update(saleRecords).set({ voucherId: other.registrationId }).where(eq(saleRecords.id, voided.recordId));
      await settleChunks(t.db, [[voided.recordId]], t.clock.nowMs);
      worker = await startWorker(t);
      expect(await settlementOf(voided)).toMatchObject({ status: "reversed", reversedMinor: 12_800 });
      expect(await wallet(buyer.token)).toMatchObject({ postedMinor: 100_000 });
      expect(await wallet(other.token)).toMatchObject({ postedMinor: 10_000 });
      await t.db.update(saleRecords).set({ voucherId: buyer.registrationId }).where(eq(saleRecords.id, voided.recordId));
      await assertMoneyInvariants(t, true);
    });

    it("never lets a client choose a registration's id, so a parked record can never pay a later one", async () => {
      const { flightId, who } = await world();
      const p = await who(50_000, 1_000);
      const chosen = crypto.randomUUID();
      const refused = await call(t.app, {
        method: "POST",
        url: "/registrations",
        headers: bearer(p.token),
        payload: { flightId, capMinor: 1_000, registrationId: chosen },
      });
      expect([refused.statusCode, refused.json().code]).toEqual([400, "validation_failed"]);
      const other = await passenger(t, ops, 50_000);
      const made = await call(
        t.app,
        { method: "POST", url: "/registrations", headers: bearer(other.token), payload: { flightId, capMinor: 1_000, requestId: chosen } },
        201,
      );
      expect(made.json().registrationId).not.toBe(chosen);
      expect(await t.db.select().from(registrations).where(eq(registrations.id, chosen))).toEqual([]);
    });
  });

  describe("2. a cancel after the manifest went out cannot make a sale free", () => {
    /** Once the flight closed: the wallet holds nothing and shows `postedMinor`; the audit holds. */
    const closedHavingPaid = async (flightId: string, token: string, postedMinor: number) => {
      await waitFor("flight close", async () => (await flightRow(flightId)).closedAtMs ?? undefined);
      expect(await wallet(token)).toEqual({ currency: "CNY", postedMinor, heldMinor: 0, availableMinor: postedMinor });
      await assertMoneyInvariants(t, true);
    };

    it("sold on a terminal holding the older manifest, uploaded after the cancel: collected from the kept hold", async () => {
      const { flightId, cabin, who, manifest } = await world();
      const p = await who(50_000, 20_000);
      await manifest(); // the terminal loads the flight: the voucher is on board
      const cancelled = await call(t.app, { method: "DELETE", url: `/registrations/${p.registrationId}`, headers: bearer(p.token) }, 200);
      expect(cancelled.json()).toMatchObject({ status: "cancelled", holdKeptUntilClose: true });
      expect(await wallet(p.token)).toMatchObject({ heldMinor: 20_000, availableMinor: 30_000 });
      expect((await manifest()).revokedVoucherIds).toContain(p.registrationId);
      cabin.sale(p.voucherText, [line("DF-CHO-040", 12_800)]);
      cabin.close();
      t.clock.nowMs = LANDED_MS;
      expect(outcomes(await cabin.upload())).toEqual(["1:accepted", "2:accepted"]);
      await closedHavingPaid(flightId, p.token, 50_000 - 12_800);
    });

    it("uploaded before the cancel: the same money, the rest released when the flight closes", async () => {
      const { flightId, cabin, who, manifest } = await world();
      const p = await who(50_000, 20_000);
      await manifest();
      cabin.sale(p.voucherText, [line("DF-CHO-040", 12_800)]);
      expect(outcomes(await cabin.upload(cabin.batch(1, 1)))).toEqual(["1:accepted"]);
      await settled(t, flightId);
      await call(t.app, { method: "DELETE", url: `/registrations/${p.registrationId}`, headers: bearer(p.token) }, 200);
      expect(await wallet(p.token)).toMatchObject({ postedMinor: 50_000 - 12_800, heldMinor: 20_000 - 12_800 });
      cabin.close();
      t.clock.nowMs = LANDED_MS;
      expect(outcomes(await cabin.upload(cabin.batch(2, 2)))).toEqual(["2:accepted"]);
      await closedHavingPaid(flightId, p.token, 50_000 - 12_800);
    });
  });

  describe("3. a leaked issuer key is stopped at once", () => {
    it("revoked: out of the trust list, its vouchers refused, open registrations carry a voucher under the new key", async () => {
      const { flightId, cabin, who, manifest } = await world();
      const p = await who(100_000, 20_000);
      const oldVoucher = decodeVoucherText(p.voucherText);
      if (!oldVoucher.ok) throw new Error("voucher");
      const keyId = oldVoucher.voucher.issuerKeyId;
      const revoked = await call(t.app, { method: "POST", url: `/ops/issuer-keys/${keyId}/revoke`, headers: bearer(ops) }, 200);
      expect(revoked.json()).toMatchObject({ keyId, revokedAtMs: t.clock.nowMs, reissued: expect.any(Number) });
      expect(revoked.json().activeKeyId).not.toBe(keyId);
      const keys = (await call(t.app, { method: "GET", url: "/ops/issuer-keys", headers: bearer(ops) }, 200)).json().keys;
      expect(keys.find((k: { keyId: string }) => k.keyId === keyId)).toMatchObject({ status: "revoked", revokedAtMs: t.clock.nowMs });
      const trusted = (await manifest()).trustedKeys.map((key) => keyIdOf(key));
      expect(trusted).not.toContain(keyId);
      expect(trusted).toContain(revoked.json().activeKeyId);
      const mine = (await call(t.app, { method: "GET", url: `/registrations/${p.registrationId}`, headers: bearer(p.token) }, 200)).json();
      const reissued = decodeVoucherText(mine.registration.voucherText);
      expect(reissued.ok && reissued.voucher.issuerKeyId).toBe(revoked.json().activeKeyId);
      expect(reissued.ok && reissued.voucher.cap).toEqual(oldVoucher.voucher.cap);

      // The leaked key's voucher, used after the revocation, is refused; the reissued one is taken.
      t.clock.nowMs += 60_000;
      cabin.sale(p.voucherText, [line("DF-CHO-040", 12_800)]);
      cabin.sale(mine.registration.voucherText, [line("DR-COF-300", 2_000)]);
      t.clock.nowMs = LANDED_MS;
      expect(outcomes(await cabin.upload())).toEqual(["1:rejected:voucher_key_revoked", "2:accepted"]);
      // Revoking again answers with the first revocation.
      const again = await call(t.app, { method: "POST", url: `/ops/issuer-keys/${keyId}/revoke`, headers: bearer(ops) }, 200);
      expect(again.json()).toMatchObject({ keyId, revokedAtMs: revoked.json().revokedAtMs, reissued: 0 });
      await settled(t, flightId);
      await assertMoneyInvariants(t, true);
    });

    // Registrations and a revocation at once: every answer a success (no deadlock, no 500) and no
    // open registration left under the revoked key. The interleaving that broke this before the
    // key row was locked (a registration reading the key just before the revocation committed) is
    // not forced here, and did not occur in three runs on the old code: this guards the outcome.
    it("leaves no open registration with a voucher under the revoked key when registrations race the revocation", async () => {
      const { flightId, who } = await world();
      const first = await who(10_000, 1_000);
      const decoded = decodeVoucherText(first.voucherText);
      if (!decoded.ok) throw new Error("voucher");
      const people = await Promise.all(Array.from({ length: 8 }, () => passenger(t, ops, 10_000)));
      const [revoked, ...answers] = await Promise.all([
        t.app.inject({ method: "POST", url: `/ops/issuer-keys/${decoded.voucher.issuerKeyId}/revoke`, headers: bearer(ops) }),
        ...people.map((p) =>
          t.app.inject({ method: "POST", url: "/registrations", headers: bearer(p.token), payload: { flightId, capMinor: 1_000 } }),
        ),
      ]);
      expect([revoked!.statusCode, ...answers.map((a) => a.statusCode)]).toEqual([200, ...people.map(() => 201)]);
      const open = await t.db.select().from(registrations).where(eq(registrations.flightId, flightId));
      const revokedKeys = (await call(t.app, { method: "GET", url: "/ops/issuer-keys", headers: bearer(ops) }, 200))
        .json()
        .keys.filter((k: { status: string }) => k.status === "revoked")
        .map((k: { keyId: string }) => k.keyId);
      for (const registration of open) {
        const voucher = decodeVoucherText(registration.voucherText);
        expect(voucher.ok && revokedKeys.includes(voucher.voucher.issuerKeyId), registration.id).toBe(false);
        expect(registration.issuerKeyId).toBe(voucher.ok ? voucher.voucher.issuerKeyId : "");
      }
      await assertMoneyInvariants(t, false);
    });

    it("refuses a validly signed voucher that does not match its registration, so a forgery cannot drain the wallet", async () => {
      const { flightId, cabin, who } = await world();
      const p = await who(200_000, 1_000, "LI/NA MS");
      const real = decodeVoucherText(p.voucherText);
      if (!real.ok) throw new Error("voucher");
      // The issuer's own key (as if it leaked), signing the real registration's id with other claims.
      const leaked = t.infra.keys.issuerSigner(real.voucher.issuerKeyId)!;
      const forge = (changes: Record<string, unknown>) => issueVoucher({ ...real.voucher, ...changes }, leaked).text;
      cabin.sale(forge({ cap: money(200_000, "CNY") }), [line("DF-WAT-020", 128_000)]);
      cabin.sale(forge({ passengerName: "THIEF/MR" }), [line("DR-COF-300", 2_000)]);
      cabin.sale(forge({ seat: "1A" }), [line("DR-COF-300", 2_000)]);
      cabin.sale(forge({ accountRef: crypto.randomUUID() }), [line("DR-COF-300", 2_000)]);
      cabin.sale(p.voucherText, [line("DR-COF-300", 1_000)]);
      t.clock.nowMs = LANDED_MS;
      expect(outcomes(await cabin.upload())).toEqual([
        "1:rejected:voucher_mismatch",
        "2:rejected:voucher_mismatch",
        "3:rejected:voucher_mismatch",
        "4:rejected:voucher_mismatch",
        "5:accepted",
      ]);
      await settled(t, flightId);
      expect(await wallet(p.token)).toMatchObject({ postedMinor: 200_000 - 1_000 });
      await assertMoneyInvariants(t, true);
    });
  });

  describe("7. retries of one registration are idempotent", () => {
    it("8 parallel requests with one request id: one registration, one hold, the same answer", async () => {
      const { flightId } = await world();
      const p = await passenger(t, ops, 100_000);
      const requestId = crypto.randomUUID();
      const payload = { flightId, capMinor: 60_000, requestId };
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => t.app.inject({ method: "POST", url: "/registrations", headers: bearer(p.token), payload })),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(answers.map((a) => a.json().registrationId)).size).toBe(1);
      expect(await wallet(p.token)).toMatchObject({ heldMinor: 60_000, availableMinor: 40_000 });
      const later = await call(t.app, { method: "POST", url: "/registrations", headers: bearer(p.token), payload }, 200);
      expect(later.json().registrationId).toBe(answers[0]!.json().registrationId);
      const changed = await call(t.app, {
        method: "POST",
        url: "/registrations",
        headers: bearer(p.token),
        payload: { ...payload, capMinor: 1_000 },
      });
      expect([changed.statusCode, changed.json().code]).toEqual([409, "exists_with_different_fields"]);
      await assertMoneyInvariants(t, false);
    });
  });

  describe("13. no hold outlives its flight", () => {
    it("refuses registrations once the flight has landed or closed, even before its cut-off", async () => {
      const { flightId, cabin, who } = await world();
      await who(10_000, 1_000);
      cabin.close();
      expect((await cabin.upload()).statusCode).toBe(200); // landed before its cut-off, as the demo's does
      const late = await passenger(t, ops, 10_000);
      const refused = await call(t.app, {
        method: "POST",
        url: "/registrations",
        headers: bearer(late.token),
        payload: { flightId, capMinor: 1_000 },
      });
      expect([refused.statusCode, refused.json().code]).toEqual([409, "registration_closed"]);
      expect(refused.json().message).toMatch(/landed/);
      expect(await wallet(late.token)).toMatchObject({ heldMinor: 0 });
    });

    it("a sweeper releases any hold left on a closed flight", async () => {
      const { flightId, who } = await world();
      const p = await who(10_000, 4_000);
      // A registration that raced the close: the flight closed, its hold still open.
      await t.db.update(flights).set({ closedAtMs: t.clock.nowMs }).where(eq(flights.id, flightId));
      expect(await wallet(p.token)).toMatchObject({ heldMinor: 4_000 });
      expect(await releaseHoldsOfClosedFlights(t.db, t.clock.nowMs)).toBe(1);
      expect(await wallet(p.token)).toMatchObject({ heldMinor: 0, availableMinor: 10_000 });
      expect(await releaseHoldsOfClosedFlights(t.db, t.clock.nowMs)).toBe(0);
      await assertMoneyInvariants(t, false);
    });
  });

  const flightRow = async (flightId: string) => (await t.db.select().from(flights).where(eq(flights.id, flightId)))[0]!;
});
