/** The retention rule: only acknowledged records of closed services, only after the period, never the chain's head. */
import { generateSecretKey, issueVoucher, money, newId } from "@cabinpay/shared";
import { createNodeSigner } from "@cabinpay/shared/node";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { flights, records, voucherUsage } from "../src/core/db/schema.js";
import { loadFlight } from "../src/core/flight/load.js";
import { purgeAcknowledged } from "../src/core/retention.js";
import { charge, closeService, type Seller } from "../src/core/sales/sell.js";
import { DEPARTURE_MS, enrolledDatabase, FLIGHT, issuerKey, manifestBytes } from "./support/fixtures.js";

const IN_FLIGHT = DEPARTURE_MS + 3_600_000;
const DAY_MS = 86_400_000;

function flightWithSales(sales: number) {
  const opened = enrolledDatabase();
  const flight = loadFlight(opened.db, { manifestBytes: manifestBytes(), trolleyId: "A", nowMs: DEPARTURE_MS - 3_600_000 });
  const seller: Seller = {
    terminalId: newId(),
    signer: createNodeSigner(generateSecretKey()),
    crew: { crewId: "C1001", role: "purser" },
    newId,
  };
  const { text } = issueVoucher(
    {
      voucherId: newId(),
      accountRef: newId(),
      flight: FLIGHT,
      cap: money(50_000, "CNY"),
      validFromMs: DEPARTURE_MS - DAY_MS,
      validUntilMs: DEPARTURE_MS + DAY_MS,
      passengerName: "ZHAO/LEI MR",
    },
    issuerKey,
  );
  for (let i = 0; i < sales; i++) {
    if (!charge(opened.db, flight, seller, [{ sku: "DR-COF-300", quantity: 1 }], text, IN_FLIGHT).ok) throw new Error("sale");
  }
  const acknowledge = (atMs: number, upToSequence = Number.MAX_SAFE_INTEGER) =>
    opened.sqlite.prepare("UPDATE records SET uploaded_at_ms = ?, upload_outcome = 'accepted' WHERE sequence <= ?").run(atMs, upToSequence);
  const kinds = () =>
    opened.db
      .select({ kind: records.kind })
      .from(records)
      .orderBy(records.sequence)
      .all()
      .map((r) => r.kind);
  return { ...opened, flight, seller, acknowledge, kinds };
}

describe("the retention rule", () => {
  it("keeps everything until the service is closed and every record acknowledged, then until the period passed", () => {
    const t = flightWithSales(3);
    const landedMs = DEPARTURE_MS + 3 * 3_600_000;
    t.acknowledge(landedMs);
    expect(purgeAcknowledged(t.db, { nowMs: landedMs + 30 * DAY_MS, retentionMs: 7 * DAY_MS })).toEqual({ flights: [], records: 0 }); // not closed
    expect(closeService(t.db, t.flight, t.seller, IN_FLIGHT).ok).toBe(true);
    t.acknowledge(landedMs, 3); // the close record is not acknowledged yet
    expect(purgeAcknowledged(t.db, { nowMs: landedMs + 30 * DAY_MS, retentionMs: 7 * DAY_MS }).records).toBe(0);
    t.acknowledge(landedMs);
    expect(purgeAcknowledged(t.db, { nowMs: landedMs + 7 * DAY_MS - 1, retentionMs: 7 * DAY_MS }).records).toBe(0);
    expect(t.kinds()).toEqual(["sale", "sale", "sale", "close"]);

    const purgedAtMs = landedMs + 7 * DAY_MS;
    expect(purgeAcknowledged(t.db, { nowMs: purgedAtMs, retentionMs: 7 * DAY_MS })).toEqual({ flights: [t.flight.flightKey], records: 3 });
    // The vouchers (names, seats) are gone with the sales; the head stays, so the chain cannot restart.
    expect(t.kinds()).toEqual(["close"]);
    expect(t.db.select().from(voucherUsage).all()).toEqual([]);
    expect(t.db.select({ purgedAtMs: flights.purgedAtMs }).from(flights).where(eq(flights.flightKey, t.flight.flightKey)).all()).toEqual([
      { purgedAtMs },
    ]);
    expect(purgeAcknowledged(t.db, { nowMs: purgedAtMs + DAY_MS, retentionMs: 0 })).toEqual({ flights: [], records: 0 });
    t.close();
  });

  it("refuses a negative or fractional period", () => {
    const t = flightWithSales(0);
    expect(() => purgeAcknowledged(t.db, { nowMs: 0, retentionMs: -1 })).toThrow(RangeError);
    expect(() => purgeAcknowledged(t.db, { nowMs: 0, retentionMs: 0.5 })).toThrow(RangeError);
    t.close();
  });
});
