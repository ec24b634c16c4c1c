/** A lost or stolen terminal revoked by ops: its key is refused from then on, and what it uploaded before stays. */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saleRecords } from "../src/db/schema/uploads.js";
import { bearer, call, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";

describe("revoking a terminal", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let flightId: string;
  let cabin: CabinTerminal;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    keys = await staffKeys(t);
    ({ flightId } = await createFlight(t, keys.ops));
    await loadFlight(t, keys.ops, flightId);
    const who = await passenger(t, keys.ops, 50_000);
    const { voucherText } = await register(t, who.token, flightId, 10_000);
    cabin = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId), flightId);
    cabin.sale(voucherText, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }]);
    cabin.sale(voucherText, [{ sku: "DR-TEA-301", quantity: 1, unitPriceMinor: 1_500 }]);
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await cabin.upload(cabin.batch(1, 1))).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  const revoke = (terminalId: string, key = keys.ops) =>
    t.app.inject({ method: "POST", url: `/ops/terminals/${terminalId}/revoke`, headers: bearer(key) });

  it("is for ops only, and names the terminal", async () => {
    expect((await revoke(cabin.terminal.terminalId, keys.finance)).statusCode).toBe(403);
    const unknown = await revoke("0193c000-0000-7000-8000-00000000dead");
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, "terminal_not_found"]);
  });

  it("refuses every request signed by the terminal's key from then on; what it uploaded before stays", async () => {
    const revoked = await revoke(cabin.terminal.terminalId);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ terminalId: cabin.terminal.terminalId, revokedAtMs: t.clock.nowMs });
    expect(revoked.json().revokedBy).toMatch(/^api-key:/);

    const upload = await cabin.upload(cabin.batch(2, 2));
    expect([upload.statusCode, upload.json().code]).toEqual([403, "terminal_revoked"]);
    const manifest = await t.app.inject(cabin.terminal.request("GET", `/terminal/flights/${flightId}/manifest`));
    expect([manifest.statusCode, manifest.json().code]).toEqual([403, "terminal_revoked"]);
    const held = await t.db.select().from(saleRecords).where(eq(saleRecords.terminalId, cabin.terminal.terminalId));
    expect(held.map((r) => r.sequence)).toEqual([1]);

    const listed = (await call(t.app, { method: "GET", url: "/ops/terminals", headers: bearer(keys.ops) }, 200)).json().terminals;
    expect(listed.find((x: { terminalId: string }) => x.terminalId === cabin.terminal.terminalId).revokedAtMs).toBe(t.clock.nowMs);
  });

  it("keeps the first revocation when revoked again", async () => {
    const firstMs = t.clock.nowMs;
    t.clock.nowMs += 60_000;
    expect((await revoke(cabin.terminal.terminalId)).json().revokedAtMs).toBe(firstMs);
  });
});
