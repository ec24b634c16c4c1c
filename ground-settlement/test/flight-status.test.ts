/**
 * One rule for "needs attention" (issue 15, point 12): the flight list and the flight page count
 * the same items and show the same status, for each kind of item, and the list's status filter
 * applies before its limit.
 */
import { newId } from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flights } from "../src/db/schema/flights.js";
import { settlements } from "../src/db/schema/uploads.js";
import type { Settlement } from "../src/jobs/settlement.js";
import { FLIGHT_LIST_MAX } from "../src/services/flight-status.js";
import {
  bearer,
  call,
  createFlight,
  DEPARTURE_MS,
  enrolTerminal,
  forgedVoucherText,
  loadFlight,
  passenger,
  register,
  staffKeys,
} from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { settled, startWorker } from "./support/settle.js";

const line = (sku: string, unitPriceMinor: number) => ({ sku, quantity: 1, unitPriceMinor });

describe("one rule for what needs attention", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let worker: Settlement;
  let count = 0;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    keys = await staffKeys(t);
    worker = await startWorker(t);
  });
  afterAll(async () => {
    await worker.close();
    await t.close();
  });

  /** A flight with one voucher sold once and settled; `spoil` then adds one kind of attention item. */
  async function flightWith(spoil: Spoil) {
    count += 1;
    t.clock.nowMs = DEPARTURE_MS - 5 * 3_600_000;
    const number = String(6000 + count);
    const { flightId } = await createFlight(t, keys.ops, { number });
    await loadFlight(t, keys.ops, flightId);
    const cabin = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId), flightId, { carrier: "9C", number, date: "2026-12-01" });
    const p = await passenger(t, keys.ops, 2_000);
    const { voucherText } = await register(t, p.token, flightId, 1_000);
    cabin.sale(voucherText, [line("DR-COF-300", 500)]);
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    await call(t.app, cabin.terminal.request("POST", `/terminal/flights/${flightId}/batches`, { body: Buffer.from(cabin.batch()) }), 200);
    await settled(t, flightId);
    await spoil({ cabin, flightId, voucherText });
    await settled(t, flightId);
    return flightId;
  }
  type Spoil = (flight: { cabin: CabinTerminal; flightId: string; voucherText: string }) => Promise<void>;

  const listed = async (query = "") =>
    (await call(t.app, { method: "GET", url: `/finance/flights${query}`, headers: bearer(keys.finance) }, 200)).json().flights as {
      flight: { flightId: string };
      status: string;
      attention: number;
    }[];
  const page = async (flightId: string) =>
    (await call(t.app, { method: "GET", url: `/finance/flights/${flightId}/reconciliation`, headers: bearer(keys.finance) }, 200)).json();

  const KINDS: Record<string, Spoil> = {
    "nothing wrong": async () => {},
    "a batch refused whole": async ({ cabin }) => {
      const bytes = cabin.batch(1, 1);
      bytes[bytes.length - 1]! ^= 0xff;
      expect((await cabin.upload(bytes)).statusCode).toBe(422);
    },
    "a void refused at ingest": async ({ cabin }) => {
      cabin.void(cabin.records[0]!, "C1001", { lines: [line("DR-COF-300", 400)] });
      expect((await cabin.upload(cabin.batch(2, 2))).json().records[0].reason).toBe("invalid_reversal");
    },
    "a sale refused at ingest": async ({ cabin }) => {
      cabin.sale(forgedVoucherText(), [line("DR-COF-300", 500)]);
      expect((await cabin.upload(cabin.batch(2, 2))).json().records[0].reason).toBe("voucher_forged");
    },
    // Over the cap and over the balance: the passenger has 2,000 and a cap of 1,000.
    "a shortfall": async ({ cabin, voucherText }) => {
      cabin.sale(voucherText, [line("DF-CHO-040", 12_800)]);
      expect((await cabin.upload(cabin.batch(2, 2))).json().records[0].outcome).toBe("accepted");
    },
    "a parked failure": async ({ flightId }) => {
      await t.db.update(settlements).set({ status: "failed", reason: "test: parked" }).where(eq(settlements.flightId, flightId));
    },
  };
  it.each(Object.keys(KINDS))("counts %s alike on the list and the page", async (kind) => {
    const flightId = await flightWith(KINDS[kind]!);
    const row = (await listed()).find((f) => f.flight.flightId === flightId)!;
    const report = await page(flightId);
    expect([row.status, row.attention]).toEqual([report.status, report.attention]);
    if (kind === "nothing wrong") expect(report.attention).toBe(0);
    else expect([report.status, report.attention]).toEqual(["needs_attention", 1]);
  });

  it("filters by status before the list's limit", async () => {
    const [needing] = await listed("?status=needs_attention");
    expect(needing).toBeDefined();
    // More open flights than the list shows, all departing later (listed first).
    await t.db.insert(flights).values(
      Array.from({ length: FLIGHT_LIST_MAX + 1 }, (_, i) => ({
        id: newId(),
        carrier: "9C",
        number: String(1000 + i),
        flightDate: "2026-12-09",
        origin: "PVG",
        destination: "CTU",
        currency: "CNY",
        departureAtMs: DEPARTURE_MS + 8 * 86_400_000,
        capMinorMax: 1,
        registrationClosesAtMs: DEPARTURE_MS,
        createdAtMs: t.clock.nowMs,
      })),
    );
    const all = await listed();
    expect(all).toHaveLength(FLIGHT_LIST_MAX);
    expect(all.some((f) => f.status === "needs_attention")).toBe(false);
    const filtered = await listed("?status=needs_attention");
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((f) => f.status === "needs_attention")).toBe(true);
  });
});
