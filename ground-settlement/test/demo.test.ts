/** `start --demo`: a demo airline a new user can sell to at once, made once per data directory. */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeVoucherText, generateSecretKey, toBase64Url } from "@cabinpay/shared";
import { createNodeSigner } from "@cabinpay/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoGuide } from "../src/demo/guide.js";
import { DEMO_CREW, DEMO_FINANCE, DEMO_OPS, seedDemo } from "../src/demo/seed.js";
import { buildManifest } from "../src/services/manifests.js";
import { bearer, call } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";

describe("the demo airline", () => {
  let t: TestApp;
  const dataDir = mkdtempSync(join(tmpdir(), "cabinpay-demo-"));
  beforeAll(async () => {
    t = await createTestApp("pglite");
  });
  afterAll(async () => {
    await t.close();
  });

  it("seeds today's two-leg rotation, crew, funded passengers with vouchers and QR files, enrolment codes and staff keys", async () => {
    const nowMs = t.clock.nowMs;
    const demo = await seedDemo(t.db, t.infra.keys, { nowMs, dataDir });
    const today = new Date(nowMs).toISOString().slice(0, 10);
    expect(demo.legs.map(({ flight }) => [flight.number, flight.origin, flight.destination, flight.flightDate])).toEqual([
      ["8850", "PVG", "CTU", today],
      ["8851", "CTU", "PVG", today],
    ]);
    expect(demo.legs[0]!.flight.departureAtMs).toBe(nowMs + 3 * 3_600_000);
    const rotation = await call(t.app, { method: "GET", url: `/ops/rotations/${demo.rotationId}`, headers: bearer(demo.opsApiKey) }, 200);
    expect(rotation.json().legs.map((leg: { stockCarried: boolean }) => leg.stockCarried)).toEqual([false, true]);
    for (const passenger of demo.legs.flatMap((leg) => leg.passengers)) {
      const decoded = decodeVoucherText(passenger.voucherText);
      expect(decoded.ok && decoded.voucher).toMatchObject({
        passengerName: passenger.name,
        seat: passenger.seat,
        cap: { amountMinor: passenger.capMinor },
      });
      expect(readFileSync(passenger.qrPngPath).subarray(1, 4).toString()).toBe("PNG");
    }
    // The codes enrol terminals straight onto the flight, whose manifest carries the demo crew.
    const signer = createNodeSigner(generateSecretKey());
    const enrolled = await call(
      t.app,
      {
        method: "POST",
        url: "/terminals/enrol",
        payload: { code: demo.enrolmentCodes[0]!.code, publicKey: toBase64Url(signer.publicKey) },
      },
      201,
    );
    expect(enrolled.json().flightIds).toEqual(demo.legs.map((leg) => leg.flight.id));
    const manifest = await buildManifest(t.db, t.infra.keys, demo.legs[0]!.flight.id, nowMs);
    expect(manifest.crew.map(({ crewId, role }) => ({ crewId, role }))).toEqual(DEMO_CREW.map(({ crewId, role }) => ({ crewId, role })));
    expect(manifest.catalog).toHaveLength(21);
    // The staff keys work.
    await call(t.app, { method: "GET", url: "/ops/terminals", headers: bearer(demo.opsApiKey) }, 200);
    const guide = demoGuide(demo, "http://127.0.0.1:3000");
    for (const needle of [
      "npm run terminal",
      demo.enrolmentCodes[1]!.code,
      "PIN 2468",
      demo.legs[1]!.passengers[2]!.voucherText,
      "/app/finance",
      `/app/ops (log in as ${DEMO_OPS.email}, password "${DEMO_OPS.password}")`,
    ])
      expect(guide).toContain(needle);
    // The finance account logs in on the web pages.
    const finance = await t.app.inject({ method: "POST", url: "/web/staff-session", payload: DEMO_FINANCE });
    expect(finance.json()).toMatchObject({ role: "finance" });
    // So does the ops account the guide prints.
    const ops = await t.app.inject({ method: "POST", url: "/web/staff-session", payload: DEMO_OPS });
    expect(ops.json()).toMatchObject({ role: "ops" });
  });

  it("keeps the flight and vouchers on the next start, with new codes", async () => {
    const first = await seedDemo(t.db, t.infra.keys, { nowMs: t.clock.nowMs, dataDir });
    const second = await seedDemo(t.db, t.infra.keys, { nowMs: t.clock.nowMs + 60_000, dataDir });
    expect(second.legs.map((leg) => leg.flight.id)).toEqual(first.legs.map((leg) => leg.flight.id));
    expect(second.rotationId).toBe(first.rotationId);
    const vouchers = (demo: typeof first) => demo.legs.flatMap((leg) => leg.passengers.map((p) => p.voucherText));
    expect(vouchers(second)).toEqual(vouchers(first));
    expect(second.enrolmentCodes[0]!.code).not.toBe(first.enrolmentCodes[0]!.code);
    expect(existsSync(second.legs[0]!.passengers[0]!.qrPngPath)).toBe(true);
  });
});
