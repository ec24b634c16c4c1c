/** Admission control of uploads: a bounded line, first come first served, and "come back at" beyond it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../src/errors.js";
import { Admission } from "../src/runtime/admission.js";
import { createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";

/** A piece of work the test finishes when it chooses. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe("admission", () => {
  it("runs at most concurrencyMax at once, lets queueMax wait in order, and tells the rest when to come back", async () => {
    const admission = new Admission({ concurrencyMax: 2, queueMax: 2, queueWaitMsMax: 60_000 });
    const started: string[] = [];
    const gates = Array.from({ length: 4 }, gate);
    const runs = gates.map((g, i) =>
      admission.run(async () => {
        started.push(String(i));
        await g.opened;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual(["0", "1"]);
    const refused = await admission.run(async () => "never").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "busy", statusCode: 503 });
    expect((refused as ApiError).details).toEqual({ retryAfterMs: expect.any(Number) });
    expect((refused as ApiError & { details: { retryAfterMs: number } }).details.retryAfterMs).toBeGreaterThanOrEqual(250);
    // A slot freed goes to the first in line; a newcomer takes the place freed in the line, behind 3.
    gates[1]!.open();
    await runs[1];
    expect(started).toEqual(["0", "1", "2"]);
    const newcomer = admission.run(async () => {
      started.push("newcomer");
      return "newcomer";
    });
    expect(await admission.run(async () => "never").catch((error: unknown) => error)).toMatchObject({ code: "busy" });
    for (const g of gates) g.open();
    expect(await Promise.all([...runs, newcomer])).toEqual([0, 1, 2, 3, "newcomer"]);
    expect(started).toEqual(["0", "1", "2", "3", "newcomer"]);
    // All done: the full width is free again.
    expect(await Promise.all([admission.run(async () => "a"), admission.run(async () => "b")])).toEqual(["a", "b"]);
  });

  it("refuses limits that make no sense", () => {
    expect(() => new Admission({ concurrencyMax: 0, queueMax: 1, queueWaitMsMax: 1 })).toThrow(RangeError);
    expect(() => new Admission({ concurrencyMax: 1, queueMax: -1, queueWaitMsMax: 1 })).toThrow(RangeError);
    expect(() => new Admission({ concurrencyMax: 1, queueMax: 1, queueWaitMsMax: -1 })).toThrow(RangeError);
  });
});

describe("uploads when the ground is busy", () => {
  let t: TestApp;
  let cabins: CabinTerminal[];

  beforeAll(async () => {
    t = await createTestApp("postgres", { INGEST_CONCURRENCY: "1", INGEST_QUEUE_MAX: "0" });
    const keys = await staffKeys(t);
    cabins = [];
    // Four terminals: trolleys A and B of two flights (one terminal per trolley).
    for (const number of ["8850", "8852"]) {
      const { flightId } = await createFlight(t, keys.ops, { number });
      await loadFlight(t, keys.ops, flightId);
      const who = await passenger(t, keys.ops, 50_000);
      const { voucherText } = await register(t, who.token, flightId, 30_000);
      for (const trolleyId of ["A", "B"]) {
        const terminal = await enrolTerminal(t, keys.ops, flightId, trolleyId);
        const cabin = new CabinTerminal(t, terminal, flightId, { carrier: "9C", number, date: "2026-12-01" }, trolleyId);
        for (let i = 0; i < 200; i++) cabin.sale(voucherText, [{ sku: "DR-WAT-304", quantity: 1, unitPriceMinor: 100 }]);
        cabins.push(cabin);
      }
    }
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
  });
  afterAll(async () => {
    await t.close();
  });

  it("answers 503 busy with Retry-After to what it cannot take now, stores none of it, and takes it when it comes back", async () => {
    const answers = await Promise.all(cabins.map((cabin) => cabin.upload()));
    const busy = answers.filter((a) => a.statusCode === 503);
    expect(answers.filter((a) => a.statusCode === 200).length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    for (const answer of busy) {
      expect(answer.json()).toMatchObject({ code: "busy", details: { retryAfterMs: expect.any(Number) } });
      expect(Number(answer.headers["retry-after"])).toBe(Math.ceil(answer.json().details.retryAfterMs / 1000));
    }
    // Coming back, one after the other: each is taken whole, once.
    for (const [index, cabin] of cabins.entries()) {
      const again = await cabin.upload();
      expect(again.statusCode).toBe(200);
      const outcomes = again.json().records.map((r: { outcome: string }) => r.outcome);
      expect(new Set(outcomes)).toEqual(new Set([answers[index]!.statusCode === 200 ? "duplicate" : "accepted"]));
    }
  });
});
