/**
 * Every ledger transaction takes its locks in one order: registrations by id, then every account
 * it touches by id, at once. Here a chunk of flight X is settling while flight Y, of the same
 * passengers, closes. The test makes the moment happen on purpose by holding X's registrations
 * while both start. Under the old order the settlement held the airline's accounts and waited for
 * a wallet, while the close held that wallet and waited for the airline's holds account: PostgreSQL
 * broke the deadlock by failing one of them (a job retried after a backoff; the fleet burst took
 * five times as long). In the one order both complete.
 */
import { eq, sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../src/db/client.js";
import { saleRecords } from "../src/db/schema/uploads.js";
import { closeFlight } from "../src/services/flight-close.js";
import { settleChunks } from "../src/services/settlement.js";
import { createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { assertMoneyInvariants, waitFor } from "./support/settle.js";

const PASSENGERS = 6;

describe("a settlement and another flight's close at the same moment", () => {
  let t: TestApp;
  let holder: pg.Client;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    holder = new pg.Client({ connectionString: t.databaseUrl });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await t.close();
  });

  /** A flight of these passengers, sold to and uploaded: its records wait for settlement. */
  async function landedFlight(ops: string, number: string, people: { token: string }[]) {
    const { flightId } = await createFlight(t, ops, { number });
    await loadFlight(t, ops, flightId);
    const cabin = new CabinTerminal(t, await enrolTerminal(t, ops, flightId), flightId, { carrier: "9C", number, date: "2026-12-01" });
    for (const who of people) {
      const { voucherText } = await register(t, who.token, flightId, 10_000);
      cabin.sale(voucherText, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }]);
    }
    cabin.close();
    return { flightId, cabin };
  }

  it("deadlocks not: both complete, the money invariants hold", async () => {
    const { ops } = await staffKeys(t);
    // Wallets made before the first registration makes the airline's holds account: their ids
    // sort before it, as in production, where passengers fund before they register.
    const people = [];
    for (let i = 0; i < PASSENGERS; i++) people.push(await passenger(t, ops, 50_000, `SAME ${i}`));
    const x = await landedFlight(ops, "7101", people);
    const y = await landedFlight(ops, "7102", people);
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    for (const flight of [x, y]) expect((await flight.cabin.upload()).statusCode).toBe(200);
    const recordsOf = async (flightId: string) =>
      (await t.db.select({ id: saleRecords.id, kind: saleRecords.kind }).from(saleRecords).where(eq(saleRecords.flightId, flightId)))
        .filter((r) => r.kind === "sale")
        .map((r) => r.id);
    await settleChunks(t.db, [await recordsOf(y.flightId)], t.clock.nowMs); // Y is ready to close

    await holder.query("BEGIN");
    await holder.query("SELECT id FROM registrations WHERE flight_id = $1 FOR UPDATE", [x.flightId]);
    const settling = settleChunks(t.db, [await recordsOf(x.flightId)], t.clock.nowMs);
    const waiting = async (what: string) =>
      waitFor(what, async () => {
        const { rows } = await holder.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        return rows[0].n >= 1 ? true : undefined;
      });
    await waiting("the settlement to wait for X's registrations");
    const closing = closeFlight(t.db, y.flightId, t.clock.nowMs, { force: false });
    // The close either finishes (the one order) or waits for the airline's account (the old one).
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    await holder.query("COMMIT");

    const [settled, closed] = await Promise.allSettled([settling, closing]);
    const why = (reason: unknown) => String((reason as { cause?: unknown }).cause ?? reason);
    expect(settled.status === "rejected" ? why(settled.reason) : "settled").toBe("settled");
    expect(closed).toEqual({ status: "fulfilled", value: "closed" });
    const [pending] = await queryRows<{ n: number }>(
      t.db,
      sql`SELECT count(*)::int AS n FROM settlements WHERE flight_id = ${x.flightId} AND status = 'pending'`,
    );
    expect(pending!.n).toBe(0);
    await assertMoneyInvariants(t, true);
  });

  it("settles a record once when two jobs with overlapping chunks run at the same moment", async () => {
    // Found by the fault suite: with connections dropped, a sweep could not mark its rows queued,
    // the next sweep chunked them anew, and two jobs held a record each. Both read it pending
    // before the locks; the second, once it had them, collected it again under other transfer ids.
    t.clock.nowMs = DEPARTURE_MS - 6 * 3_600_000;
    const { ops } = await staffKeys(t);
    const buyer = await passenger(t, ops, 50_000, "OVERLAP");
    const { flightId } = await createFlight(t, ops, { number: "7103" });
    await loadFlight(t, ops, flightId);
    const cabin = new CabinTerminal(t, await enrolTerminal(t, ops, flightId), flightId, {
      carrier: "9C",
      number: "7103",
      date: "2026-12-01",
    });
    const { voucherText } = await register(t, buyer.token, flightId, 10_000);
    for (let i = 0; i < 4; i++) cabin.sale(voucherText, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 4_000 }]);
    cabin.close();
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await cabin.upload()).statusCode).toBe(200);
    const ids = (
      await t.db
        .select({ id: saleRecords.id, kind: saleRecords.kind, sequence: saleRecords.sequence })
        .from(saleRecords)
        .where(eq(saleRecords.flightId, flightId))
    )
      .filter((r) => r.kind === "sale")
      .sort((a, b) => a.sequence - b.sequence)
      .map((r) => r.id);

    await holder.query("BEGIN");
    await holder.query("SELECT id FROM registrations WHERE flight_id = $1 FOR UPDATE", [flightId]);
    const first = settleChunks(t.db, [ids.slice(0, 3)], t.clock.nowMs);
    const second = settleChunks(t.db, [ids.slice(1, 4)], t.clock.nowMs);
    await waitFor("both jobs to wait for the registration", async () => {
      const { rows } = await holder.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
      );
      return rows[0].n >= 2 ? true : undefined;
    });
    await holder.query("COMMIT");
    const outcomes = await Promise.allSettled([first, second]);
    // The one that found its records settled meanwhile is retried, as its job would be.
    for (const outcome of outcomes) if (outcome.status === "rejected") expect((outcome.reason as Error).name).toBe("NotYetError");
    await settleChunks(t.db, [ids], t.clock.nowMs);
    await assertMoneyInvariants(t, false);
    const [taken] = await queryRows<{ n: string }>(
      t.db,
      sql`SELECT coalesce(sum(from_hold_minor + from_balance_minor), 0)::text AS n FROM settlements WHERE flight_id = ${flightId}`,
    );
    expect(Number(taken!.n)).toBe(16_000);
  });
});
