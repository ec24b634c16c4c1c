import { createTrustList, fromBase64Url, keyIdOf, verifyManifest, verifyVoucher } from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../src/db/client.js";
import {
  bearer,
  call,
  createFlight,
  DEPARTURE_MS,
  enrolTerminal,
  loadFlight,
  passenger,
  SAMPLE_CATALOG_CSV,
  staffKeys,
  type TestTerminal,
} from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { ENGINES } from "./support/databases.js";

const verifier = createNodeVerifier();

describe.each(ENGINES)("registration, vouchers, terminals and manifests on %s", (engine) => {
  let t: TestApp;
  let ops: string;
  let finance: string;
  let flightId: string;
  let terminal: TestTerminal;

  beforeAll(async () => {
    t = await createTestApp(engine);
    ({ ops, finance } = await staffKeys(t));
    ({ flightId } = await createFlight(t, ops));
    await loadFlight(t, ops, flightId);
    terminal = await enrolTerminal(t, ops, flightId);
  });
  afterAll(async () => {
    await t.close();
  });

  const me = async (token: string) => (await call(t.app, { method: "GET", url: "/me", headers: bearer(token) }, 200)).json();
  const registerAs = (token: string, payload: Record<string, unknown>) =>
    call(t.app, { method: "POST", url: "/registrations", headers: bearer(token), payload: { flightId, ...payload } });
  const downloadManifest = async (on = { flightId, terminal, number: "8850" }) => {
    const response = await call(t.app, on.terminal.request("GET", `/terminal/flights/${on.flightId}/manifest`), 200);
    expect(response.headers["content-type"]).toBe("application/octet-stream");
    const result = verifyManifest(response.rawPayload, {
      manifestKey: fromBase64Url(terminal.manifestPublicKey)!,
      verifier,
      nowMs: t.clock.nowMs,
      clockToleranceMs: 60_000,
      flight: { carrier: "9C", number: on.number, date: "2026-12-01" },
    });
    if (!result.ok) throw new Error(`manifest refused: ${result.reason} ${result.detail}`);
    return result.manifest;
  };

  it("looks flights up under the one carrier rule: an ICAO carrier is a carrier, 9C8 is not", async () => {
    expect((await call(t.app, { method: "GET", url: "/flights?carrier=CCA&number=1301&date=2026-12-01" }, 200)).json()).toEqual({
      flights: [],
    });
    expect((await call(t.app, { method: "GET", url: "/flights?carrier=9C8&number=850&date=2026-12-01" }, 400)).json().code).toBe(
      "validation_failed",
    );
  });

  it("finds the flight by designator and date", async () => {
    const found = (await call(t.app, { method: "GET", url: "/flights?carrier=9C&number=8850&date=2026-12-01" }, 200)).json();
    expect(found.flights).toHaveLength(1);
    expect(found.flights[0]).toMatchObject({
      flightId,
      currency: "CNY",
      capMinorMax: 200_000,
      registrationClosesAtMs: DEPARTURE_MS - 2 * 3_600_000,
    });
  });

  it("registers a funded passenger: the cap is held and a voucher issued that verifies offline", async () => {
    const p = await passenger(t, ops, 300_000);
    const response = await registerAs(p.token, { capMinor: 200_000, seat: "32A" });
    expect(response.statusCode).toBe(201);
    const registration = response.json();
    expect(registration).toMatchObject({
      flightId,
      capMinor: 200_000,
      currency: "CNY",
      status: "active",
      seat: "32A",
      passengerName: "ZHANG/WEIMING MR",
    });
    expect((await me(p.token)).wallets).toEqual([{ currency: "CNY", postedMinor: 300_000, heldMinor: 200_000, availableMinor: 100_000 }]);

    const manifest = await downloadManifest();
    const result = verifyVoucher(registration.voucherText, {
      trustList: createTrustList(manifest.trustedKeys),
      revokedIds: new Set(manifest.revokedVoucherIds),
      flight: manifest.flight,
      nowMs: DEPARTURE_MS + 3_600_000,
      clockToleranceMs: 60_000,
      verifier,
    });
    expect(result.ok && result.voucher).toMatchObject({
      voucherId: registration.registrationId,
      passengerName: "ZHANG/WEIMING MR",
      seat: "32A",
    });
    expect(result.ok && result.voucher.cap).toEqual({ amountMinor: 200_000, currency: "CNY" });
  });

  it("is idempotent on the passenger's request id, and allows one active registration per flight", async () => {
    const p = await passenger(t, ops, 100_000);
    const requestId = crypto.randomUUID();
    const first = await registerAs(p.token, { capMinor: 50_000, requestId });
    expect(first.statusCode).toBe(201);
    const registrationId = first.json().registrationId;
    // The ground chooses the registration's id, never the client.
    expect(registrationId).not.toBe(requestId);
    const again = await registerAs(p.token, { capMinor: 50_000, requestId });
    expect(again.statusCode).toBe(200);
    expect(again.json().registrationId).toBe(registrationId);
    const second = await registerAs(p.token, { capMinor: 10_000 });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: "already_registered", details: { registrationId } });
    expect((await me(p.token)).wallets[0]).toMatchObject({ heldMinor: 50_000, availableMinor: 50_000 });
  });

  it("refuses a cap above the flight's maximum or above the available funds, storing nothing", async () => {
    const p = await passenger(t, ops, 20_000);
    const countBefore = await registrationCount();
    const tooHigh = await registerAs(p.token, { capMinor: 200_001 });
    expect(tooHigh.statusCode).toBe(422);
    expect(tooHigh.json()).toMatchObject({ code: "cap_out_of_range", details: { capMinorMax: 200_000 } });
    const tooPoor = await registerAs(p.token, { capMinor: 20_001 });
    expect(tooPoor.statusCode).toBe(422);
    expect(tooPoor.json()).toMatchObject({ code: "insufficient_funds", details: { availableMinor: 20_000 } });
    expect(await registrationCount()).toBe(countBefore);
    expect((await me(p.token)).wallets[0]).toMatchObject({ heldMinor: 0, availableMinor: 20_000 });
  });

  it("serves the voucher QR code as SVG and PNG to its owner only", async () => {
    const p = await passenger(t, ops, 10_000);
    const { registrationId } = (await registerAs(p.token, { capMinor: 10_000 })).json();
    const svg = await call(t.app, { method: "GET", url: `/registrations/${registrationId}/qr.svg`, headers: bearer(p.token) }, 200);
    expect(svg.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toMatch(/^<svg[^>]+viewBox="0 0 (\d+) \1"/);
    const png = await call(t.app, { method: "GET", url: `/registrations/${registrationId}/qr.png`, headers: bearer(p.token) }, 200);
    expect(png.headers["content-type"]).toBe("image/png");
    expect(png.rawPayload.subarray(1, 4).toString()).toBe("PNG");
    const other = await passenger(t, ops, 0);
    const foreign = await call(t.app, { method: "GET", url: `/registrations/${registrationId}/qr.png`, headers: bearer(other.token) });
    expect(foreign.statusCode).toBe(404);
    expect((await call(t.app, { method: "GET", url: `/registrations/${registrationId}`, headers: bearer(other.token) })).statusCode).toBe(
      404,
    );
  });

  it("cancels before any manifest went out: the hold is released and the first manifest revokes the voucher", async () => {
    // A flight no terminal has loaded yet (this suite's flight has served manifests already).
    const { flightId: quiet } = await createFlight(t, ops, { number: "8859" });
    await loadFlight(t, ops, quiet);
    const p = await passenger(t, ops, 80_000);
    const registration = (await registerAs(p.token, { capMinor: 60_000, flightId: quiet })).json();
    const cancelled = await call(
      t.app,
      { method: "DELETE", url: `/registrations/${registration.registrationId}`, headers: bearer(p.token) },
      200,
    );
    expect(cancelled.json()).toMatchObject({ status: "cancelled", cancelledAtMs: t.clock.nowMs });
    expect((await me(p.token)).wallets[0]).toMatchObject({ heldMinor: 0, availableMinor: 80_000 });
    expect(
      (await call(t.app, { method: "DELETE", url: `/registrations/${registration.registrationId}`, headers: bearer(p.token) })).json().code,
    ).toBe("registration_not_active");
    const manifest = await downloadManifest({ flightId: quiet, terminal: await enrolTerminal(t, ops, quiet), number: "8859" });
    expect(manifest.revokedVoucherIds).toContain(registration.registrationId);
    const result = verifyVoucher(registration.voucherText, {
      trustList: createTrustList(manifest.trustedKeys),
      revokedIds: new Set(manifest.revokedVoucherIds),
      flight: manifest.flight,
      nowMs: DEPARTURE_MS,
      clockToleranceMs: 0,
      verifier,
    });
    expect(result.ok ? "accepted" : result.reason).toBe("revoked");
    // A new registration is possible after a cancellation.
    expect((await registerAs(p.token, { capMinor: 30_000, flightId: quiet })).statusCode).toBe(201);
  });

  it("carries the catalog, trolley stock and crew in the manifest, PINs only as verifiers", async () => {
    const manifest = await downloadManifest();
    expect(manifest.catalog).toHaveLength(SAMPLE_CATALOG_CSV.trim().split("\n").length - 1);
    expect(manifest.trolleys).toEqual(["A", "B"]);
    expect(manifest.catalog.find((item) => item.sku === "DF-WAT-020")).toMatchObject({
      nameZh: "飞行员手表",
      priceMinor: 128_000,
      stockByTrolley: { A: 2, B: 1 },
    });
    expect(manifest.crew.map((c) => [c.crewId, c.role])).toEqual([
      ["C1001", "purser"],
      ["C1002", "crew"],
    ]);
    const stored = await queryRows<{ hex: string }>(t.db, sql`SELECT encode(pin_hash, 'hex') AS hex FROM crew_members`);
    // The PINs' bytes are nowhere in what is stored. (Matched as the hex of their ASCII: the bare
    // digits turn up in random hex about once in 250 runs.)
    const pinHex = ["2468", "1357"].map((pin) => Buffer.from(pin, "ascii").toString("hex"));
    for (const hex of pinHex) expect(stored.map((row) => row.hex).join()).not.toContain(hex);
    expect(manifest.limits).toEqual({ capMinorMax: 200_000, saleMinorMax: 200_000, saleLinesMax: 20 });
  });

  it("rotates the issuer key without stranding vouchers signed by the old one", async () => {
    const before = (await downloadManifest()).trustedKeys.map(keyIdOf);
    const { keyId } = (await call(t.app, { method: "POST", url: "/ops/issuer-keys/rotate", headers: bearer(ops) }, 201)).json();
    const p = await passenger(t, ops, 5_000);
    const registration = (await registerAs(p.token, { capMinor: 5_000 })).json();
    const after = (await downloadManifest()).trustedKeys.map(keyIdOf);
    expect(after).toContain(keyId);
    for (const old of before) expect(after).toContain(old);
    const decoded = verifyVoucher(registration.voucherText, {
      trustList: createTrustList((await downloadManifest()).trustedKeys),
      revokedIds: new Set(),
      flight: { carrier: "9C", number: "8850", date: "2026-12-01" },
      nowMs: DEPARTURE_MS,
      clockToleranceMs: 0,
      verifier,
    });
    expect(decoded.ok && decoded.voucher.issuerKeyId).toBe(keyId);
  });

  it("refuses signed terminal requests that are replayed, altered, stale or for another flight", async () => {
    const url = `/terminal/flights/${flightId}/manifest`;
    const request = terminal.request("GET", url, { nonce: "replay-nonce-000001" });
    expect((await call(t.app, request)).statusCode).toBe(200);
    const replayed = await call(t.app, request);
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json().code).toBe("request_replayed");
    const altered = { ...terminal.request("GET", url), url: `${url}?x=1` };
    expect((await call(t.app, altered)).json().code).toBe("bad_request_signature");
    const stale = terminal.request("GET", url, { timestampMs: t.clock.nowMs - 10 * 60_000 });
    expect((await call(t.app, stale)).json()).toMatchObject({ code: "bad_request_signature", details: { serverTimeMs: t.clock.nowMs } });
    const { flightId: otherFlight } = await createFlight(t, ops, { number: "8851", origin: "CTU", destination: "PVG" });
    const foreign = await call(t.app, terminal.request("GET", `/terminal/flights/${otherFlight}/manifest`));
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().code).toBe("terminal_not_assigned");
  });

  it("refuses a used or unknown enrolment code", async () => {
    const { code } = (
      await call(t.app, { method: "POST", url: "/ops/enrolment-codes", headers: bearer(ops), payload: { name: "T9" } }, 201)
    ).json();
    const enrol = (c: string) => call(t.app, { method: "POST", url: "/terminals/enrol", payload: { code: c, publicKey: "A".repeat(43) } });
    expect((await enrol(code.toLowerCase())).statusCode).toBe(201); // codes are typed case-insensitively
    expect((await enrol(code)).json().code).toBe("enrolment_code_invalid");
    expect((await enrol("ZZZZ-ZZZZ-ZZZZ")).json().code).toBe("enrolment_code_invalid");
    const listed = (await call(t.app, { method: "GET", url: "/ops/terminals", headers: bearer(ops) }, 200)).json();
    expect(listed.terminals.map((x: { terminalId: string }) => x.terminalId)).toContain(terminal.terminalId);
  });

  it("closes registration and cancellation at the cut-off", async () => {
    const p = await passenger(t, ops, 50_000);
    const open = (await registerAs(p.token, { capMinor: 10_000 })).json();
    t.clock.nowMs = DEPARTURE_MS - 2 * 3_600_000;
    try {
      const late = await passenger(t, ops, 50_000);
      expect((await registerAs(late.token, { capMinor: 10_000 })).json().code).toBe("registration_closed");
      const cancel = await call(t.app, { method: "DELETE", url: `/registrations/${open.registrationId}`, headers: bearer(p.token) });
      expect(cancel.statusCode).toBe(409);
      expect(cancel.json().code).toBe("registration_closed");
    } finally {
      t.clock.nowMs = Date.UTC(2026, 10, 25);
    }
  });

  it("keeps the ledger balanced, as finance can check", async () => {
    const ledger = (await call(t.app, { method: "GET", url: "/finance/ledger", headers: bearer(finance) }, 200)).json();
    expect(ledger.balanced).toBe(true);
    expect(ledger.currencies).toEqual([{ currency: "CNY", postedSumMinor: 0, pendingSumMinor: 0 }]);
    expect(ledger.accountsOutOfBalance).toEqual([]);
  });

  async function registrationCount(): Promise<number> {
    const [row] = await queryRows<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM registrations`);
    return row!.n;
  }

  it("stores only hashes of tokens, API keys and enrolment codes", async () => {
    const secrets = await queryRows<{ v: string }>(
      t.db,
      sql`SELECT token_hash AS v FROM sessions UNION ALL SELECT secret_hash FROM api_keys UNION ALL SELECT code_hash FROM enrolment_codes`,
    );
    expect(secrets.length).toBeGreaterThan(3);
    for (const { v } of secrets) expect(v).toMatch(/^[0-9a-f]{64}$/);
  });
});
