/**
 * Settling the chunks of several jobs in one transaction (`settleChunks`, `settleTogether`): which
 * chunks share a transaction, that each job still gets its own answer, and, on PostgreSQL, that
 * chunks of several flights and chains settled together move exactly the money they would apart.
 */
import type { SaleRecord } from "@cabinpay/shared";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settlements } from "../src/db/schema/uploads.js";
import { SETTLE_TRANSACTIONS_MAX, settleTogether } from "../src/jobs/settle-together.js";
import { SETTLE_CHUNK_MAX } from "../src/services/outbox.js";
import { type ChunkResult, NotYetError, settleChunks } from "../src/services/settlement.js";
import { createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, TEST_START_MS, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";
import { assertMoneyInvariants } from "./support/settle.js";

/** A settle function that holds each call until the test lets it answer, noting what it was given. */
function heldSettle(answer: (chunks: readonly (readonly string[])[]) => ChunkResult[]) {
  const calls: { chunks: readonly (readonly string[])[]; finish: () => void }[] = [];
  const settle = (chunks: readonly (readonly string[])[]) =>
    new Promise<ChunkResult[]>((resolve, reject) => {
      calls.push({
        chunks,
        finish: () => {
          try {
            resolve(answer(chunks));
          } catch (error) {
            reject(error);
          }
        },
      });
    });
  return { calls, settle };
}

const ids = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}${i}`);
const settledAll = (chunks: readonly (readonly string[])[]) => chunks.map((c) => ({ settled: c.length, skipped: 0, failed: 0 }));
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("which chunks share a transaction", () => {
  it("starts at most two transactions at once; the chunks that waited meanwhile share the next", async () => {
    expect(SETTLE_TRANSACTIONS_MAX).toBe(2);
    const { calls, settle } = heldSettle(settledAll);
    const one = settleTogether(settle);
    const answers = ["a", "b", "c", "d", "e"].map((name) => one(ids(name, 300)));
    await turn();
    expect(calls.map((c) => c.chunks.map((chunk) => chunk[0]))).toEqual([["a0"], ["b0"]]);
    calls[0]!.finish();
    await turn();
    // c, d and e waited: 900 records fit one transaction.
    expect(calls.map((c) => c.chunks.map((chunk) => chunk[0]))).toEqual([["a0"], ["b0"], ["c0", "d0", "e0"]]);
    for (const call of calls.slice(1)) call.finish();
    expect(await Promise.all(answers)).toEqual(Array(5).fill({ settled: 300, skipped: 0, failed: 0 }));
  });

  it(`never puts more than ${SETTLE_CHUNK_MAX} records in one transaction`, async () => {
    const { calls, settle } = heldSettle(settledAll);
    const one = settleTogether(settle);
    const answers = [one(ids("a", 1)), one(ids("b", 1)), one(ids("c", 600)), one(ids("d", 500)), one(ids("e", 400))];
    await turn();
    calls[0]!.finish();
    await turn();
    calls[1]!.finish();
    await turn();
    expect(calls.map((c) => c.chunks.flat().length)).toEqual([1, 1, 600, 900]);
    for (const call of calls.slice(2)) call.finish();
    await Promise.all(answers);
  });

  it("refuses a chunk of no records or of more than one transaction holds", async () => {
    const one = settleTogether(heldSettle(settledAll).settle);
    await expect(one([])).rejects.toThrow(RangeError);
    await expect(one(ids("x", SETTLE_CHUNK_MAX + 1))).rejects.toThrow(RangeError);
  });

  it("settles each chunk alone when settling together fails: each job gets its own answer", async () => {
    const { calls, settle } = heldSettle((chunks) => {
      if (chunks.some((chunk) => chunk[0] === "bad0")) throw new NotYetError("its sale is not settled yet");
      return settledAll(chunks);
    });
    const one = settleTogether(settle);
    const answers = [one(ids("a", 1)), one(ids("b", 1)), one(ids("c", 2)), one(ids("bad", 3)), one(ids("d", 4))].map((p) =>
      p.then(
        (result) => result.settled,
        (error: Error) => error.name,
      ),
    );
    await turn();
    calls[0]!.finish();
    calls[1]!.finish();
    for (let i = 2; i < 6; i++) {
      await turn();
      calls[i]!.finish();
    }
    expect(calls.map((c) => c.chunks.map((chunk) => chunk[0]))).toEqual([["a0"], ["b0"], ["c0", "bad0", "d0"], ["c0"], ["bad0"], ["d0"]]);
    expect(await Promise.all(answers)).toEqual([1, 1, 2, "NotYetError", 4]);
  });
});

describe("chunks of several flights and chains settled in one transaction (PostgreSQL)", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp("postgres");
  });
  afterAll(async () => {
    await t?.close();
  });

  const COFFEE = [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }] as const;

  /** A flight with a terminal, sold to by each passenger; its records are uploaded in the batches asked for. */
  async function soldFlight(ops: string, number: string, people: readonly { token: string }[]) {
    const { flightId } = await createFlight(t, ops, { number });
    await loadFlight(t, ops, flightId);
    const cabin = new CabinTerminal(t, await enrolTerminal(t, ops, flightId), flightId, { carrier: "9C", number, date: "2026-12-01" });
    const vouchers: string[] = [];
    for (const who of people) vouchers.push((await register(t, who.token, flightId, 10_000)).voucherText);
    const sales = vouchers.map((voucherText) => cabin.sale(voucherText, COFFEE));
    return { flightId, cabin, sales, vouchers };
  }

  const idsOf = (records: readonly SaleRecord[]) => records.filter((r) => r.kind !== "close").map((r) => r.recordId);

  it("a chain's later chunk with a void of a sale in its earlier chunk, given first, beside another flight's chunk", async () => {
    const { ops } = await staffKeys(t);
    const people = [];
    for (let i = 0; i < 3; i++) people.push(await passenger(t, ops, 50_000, `TOGETHER ${i}`));
    const x = await soldFlight(ops, "7201", people);
    const y = await soldFlight(ops, "7202", people);
    x.cabin.void(x.sales[0]!);
    x.cabin.sale(x.vouchers[1]!, COFFEE);
    for (const flight of [x, y]) flight.cabin.close();
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await x.cabin.upload(x.cabin.batch(1, 3))).statusCode).toBe(200);
    expect((await x.cabin.upload(x.cabin.batch(4))).statusCode).toBe(200);
    expect((await y.cabin.upload()).statusCode).toBe(200);
    const x1 = idsOf(x.cabin.records.slice(0, 3));
    const x2 = idsOf(x.cabin.records.slice(3));
    const y1 = idsOf(y.cabin.records);

    // Alone, the later chunk waits for its sale's.
    await expect(settleChunks(t.db, [x2], t.clock.nowMs)).rejects.toThrow(NotYetError);
    const results = await settleChunks(t.db, [x2, y1, x1], t.clock.nowMs);
    expect(results).toEqual([
      { settled: x2.length, skipped: 0, failed: 0 },
      { settled: 3, skipped: 0, failed: 0 },
      { settled: 3, skipped: 0, failed: 0 },
    ]);
    const statuses = await t.db
      .select({ recordId: settlements.recordId, status: settlements.status, reversedMinor: settlements.reversedMinor })
      .from(settlements)
      .where(inArray(settlements.recordId, [...x1, ...x2, ...y1]));
    expect(statuses.filter((s) => s.status === "pending")).toEqual([]);
    expect(statuses.find((s) => s.recordId === x2[0])).toMatchObject({ status: "reversed", reversedMinor: 2_000 });
    await assertMoneyInvariants(t, false);
    // Again: everything is found settled, nothing moves twice.
    expect(await settleChunks(t.db, [x1, y1], t.clock.nowMs)).toEqual([
      { settled: 0, skipped: 3, failed: 0 },
      { settled: 0, skipped: 3, failed: 0 },
    ]);
    await assertMoneyInvariants(t, false);
  });

  it("chunks that overlap (a sweep that chunked rows anew) settle each record once when given together", async () => {
    t.clock.nowMs = TEST_START_MS;
    const { ops } = await staffKeys(t);
    const people = [];
    for (let i = 0; i < 3; i++) people.push(await passenger(t, ops, 50_000, `OVERLAP ${i}`));
    const z = await soldFlight(ops, "7203", people);
    z.cabin.close();
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await z.cabin.upload()).statusCode).toBe(200);
    const [a, b, c] = idsOf(z.cabin.records);
    const results = await settleChunks(
      t.db,
      [
        [a!, b!],
        [b!, c!],
      ],
      t.clock.nowMs,
    );
    expect(results.map((r) => r.failed + r.settled)).toEqual([2, 2]);
    const rows = await t.db
      .select({ status: settlements.status })
      .from(settlements)
      .where(inArray(settlements.recordId, [a!, b!, c!]));
    expect(rows.map((row) => row.status)).toEqual(["debited", "debited", "debited"]);
    await assertMoneyInvariants(t, false);
  });
});
