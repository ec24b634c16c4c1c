/**
 * The smaller holes of issue 15, point 10, on the ground: refused batches are kept per terminal up
 * to a bound, and another passenger's registration answers exactly as an unknown one does.
 * (Log-in buckets and enrolment-code limits are in proxy.test.ts.)
 */
import { newId } from "@cabinpay/shared";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejectedBatches } from "../src/db/schema/uploads.js";
import { REFUSED_BATCHES_PER_TERMINAL_MAX } from "../src/services/ingest.js";
import { bearer, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";

describe("smaller holes", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let flightId: string;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    keys = await staffKeys(t);
    ({ flightId } = await createFlight(t, keys.ops));
    await loadFlight(t, keys.ops, flightId);
  });
  afterAll(async () => {
    await t.close();
  });

  it("keeps refused batches per terminal up to a bound, and refuses the rest alike without storing them", async () => {
    const cabin = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId), flightId);
    const p = await passenger(t, keys.ops, 10_000);
    cabin.sale((await register(t, p.token, flightId, 1_000)).voucherText, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }]);
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    // As if the terminal had been refused again and again already: all but one of the bound.
    await t.db.insert(rejectedBatches).values(
      Array.from({ length: REFUSED_BATCHES_PER_TERMINAL_MAX - 1 }, () => ({
        id: newId(),
        terminalId: cabin.terminal.terminalId,
        flightId,
        receivedAtMs: t.clock.nowMs,
        reason: "bad_signature",
        detail: "earlier",
        bytes: new Uint8Array([0]),
      })),
    );
    const tampered = () => {
      const bytes = cabin.batch();
      bytes[bytes.length - 1]! ^= 0x01;
      return bytes;
    };
    const last = await cabin.upload(tampered());
    expect([last.statusCode, last.json().code, last.json().details.reason]).toEqual([422, "batch_rejected", "bad_signature"]);
    expect(last.json().details.rejectedBatchId).toBeDefined();
    const over = await cabin.upload(tampered());
    expect([over.statusCode, over.json().code, over.json().details.reason]).toEqual([422, "batch_rejected", "bad_signature"]);
    expect(over.json().details.rejectedBatchId).toBeUndefined();
    const [kept] = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(rejectedBatches)
      .where(eq(rejectedBatches.terminalId, cabin.terminal.terminalId));
    expect(kept!.n).toBe(REFUSED_BATCHES_PER_TERMINAL_MAX);
    // The true batch is still taken.
    expect((await cabin.upload()).statusCode).toBe(200);
  });

  it("answers for another passenger's registration exactly as for one that does not exist", async () => {
    const { flightId: open } = await createFlight(t, keys.ops, { number: "8851" });
    t.clock.nowMs = DEPARTURE_MS - 5 * 3_600_000;
    const owner = await passenger(t, keys.ops, 10_000);
    const { registrationId } = await register(t, owner.token, open, 1_000);
    const other = await passenger(t, keys.ops, 10_000);
    const unknown = newId();
    for (const [method, path] of [
      ["GET", ""],
      ["GET", "/qr.svg"],
      ["GET", "/qr.png"],
      ["DELETE", ""],
    ] as const) {
      const answer = async (id: string) => {
        const response = await t.app.inject({ method, url: `/registrations/${id}${path}`, headers: bearer(other.token) });
        const { requestId: _requestId, ...body } = response.json();
        return { status: response.statusCode, body: JSON.stringify(body).replaceAll(id, "ID") };
      };
      expect(await answer(registrationId), `${method} ${path}`).toEqual(await answer(unknown));
    }
  });
});
