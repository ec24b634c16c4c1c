/**
 * Batches as a hostile or broken link delivers them, against the built ground service (API and
 * workers as processes) on real PostgreSQL and Redis: reordered, partially overlapping, duplicated
 * and replayed batches; tampered records; records forged with another key; a fork of the chain; a
 * terminal uploading for a flight it was not enrolled for. Beside it a terminal core sells and
 * uploads normally. Afterwards only each terminal's true chain is stored, and the flight audit
 * holds: every sale settled once, wallets right, the ledger zero-sum, every hold resolved once.
 */
import { generateSecretKey, type SaleRecord } from "@cabinpay/shared";
import { createNodeSigner } from "@cabinpay/shared/node";
import { RecordChain } from "@cabinpay/testkit/record-chain";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  coreSales,
  enrolTerminal,
  type GroundApi,
  gatherFacts,
  groundApi,
  openFlight,
  registerPassengers,
  waitUntilClosed,
} from "../support/flight.js";
import { auditFlight, type TerminalSale } from "../support/flight-audit.js";
import { type GroundProcesses, startGroundProcesses } from "../support/ground-processes.js";
import { send, WireTerminal } from "../support/wire-terminal.js";

const PASSENGERS = 8;
const COFFEE = { sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 };
const NOODLES = { sku: "ML-NOO-100", quantity: 1, unitPriceMinor: 4_800 };

describe("batches reordered, overlapping, replayed, tampered and forged", () => {
  let ground: GroundProcesses;
  let api: GroundApi;
  let db: pg.Client;
  const closeLater: { close(): void }[] = [];

  beforeAll(async () => {
    ground = await startGroundProcesses({ postgresUrl: inject("postgresUrl"), redisUrl: inject("redisUrl") });
    api = groundApi(ground.url);
    db = new pg.Client({ connectionString: ground.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    for (const core of closeLater) core.close();
    await db?.end();
    await ground?.stop();
  });

  /** The records the ground holds from a terminal, in order: what its chain is on the ground. */
  const stored = async (terminalId: string) =>
    (
      await db.query<{ sequence: number; id: string }>("SELECT sequence, id FROM sale_records WHERE terminal_id = $1 ORDER BY sequence", [
        terminalId,
      ])
    ).rows.map((row) => `${row.sequence}:${row.id}`);
  const chainOf = (records: readonly SaleRecord[]) => records.map((r) => `${r.sequence}:${r.recordId}`);
  const outcomes = (body: { records: { outcome: string }[] }) => {
    const counts: Record<string, number> = {};
    for (const r of body.records) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
    return counts;
  };

  it("stores only each terminal's true chain, settles every sale once, and the flight audit holds", async () => {
    const flight = await openFlight(api, ground.opsKey, "8760");
    const other = await openFlight(api, ground.opsKey, "8761");
    const passengers = await registerPassengers(api, ground.opsKey, flight.flightId, PASSENGERS, () => ({
      fundedMinor: 50_000,
      capMinor: 30_000,
    }));

    // Trolley A: a terminal core, selling and uploading as it always does.
    const core = await enrolTerminal(api, ground, flight, "A");
    closeLater.push(core);
    expect(await core["crew/login"]({ crewId: "C1001", pin: "2468" })).toMatchObject({ ok: true });
    for (const p of passengers) {
      await core["cart/clear"]({});
      await core["cart/add"]({ sku: "DR-COF-300" });
      expect(await core["sale/charge"]({ voucherText: p.voucherText })).toMatchObject({ ok: true });
    }
    await core["service/close"]({});

    // Trolley B: a terminal whose 42 records reach the ground every wrong way first.
    const w = await WireTerminal.enrol(api, ground, flight.flightId, flight.ref, "B");
    for (let i = 0; i < 40; i++) w.sale(passengers[i % PASSENGERS]!.voucherText, [i % 3 === 0 ? NOODLES : COFFEE]);
    w.void(w.records[7]!);
    w.close();
    const upload = (from: number, to: number) => w.upload(flight.flightId, w.batch(from, to));

    // Reordered: a later batch first is refused with where to resume, and nothing is stored.
    const early = await upload(21, 30);
    expect([early.status, early.body.code, early.body.details]).toEqual([409, "sequence_gap", { nextSequence: 1 }]);
    expect(await stored(w.terminalId)).toEqual([]);
    expect(outcomes((await upload(1, 10)).body)).toEqual({ accepted: 10 });
    expect((await upload(21, 30)).body.details).toEqual({ nextSequence: 11 });

    // Partially overlapping: the held part answers duplicate, the rest is stored.
    const overlapRequest = w.uploadRequest(flight.flightId, w.batch(5, 20));
    expect(outcomes((await send(overlapRequest)).body)).toEqual({ duplicate: 6, accepted: 10 });
    // Duplicated: the same records in a new request are all duplicates.
    expect(outcomes((await upload(1, 20)).body)).toEqual({ duplicate: 20 });
    // Replayed: the very same request again (its nonce spent) is refused before it is read.
    const replayed = await send(overlapRequest);
    expect([replayed.status, replayed.body.code]).toEqual([401, "request_replayed"]);
    expect(await stored(w.terminalId)).toEqual(chainOf(w.records.slice(0, 20)));

    // Tampered: one byte of a record changed in transit; the batch is refused whole.
    const tampered = w.batch(21, 30);
    tampered[tampered.length - 100]! ^= 0x01;
    const refusedTamper = await w.upload(flight.flightId, tampered);
    expect([refusedTamper.status, refusedTamper.body.code]).toEqual([422, "batch_rejected"]);
    // Forged: records 21–30 made and batched with a key that is not this terminal's.
    const forger = new RecordChain({ terminalId: w.terminalId, signer: createNodeSigner(generateSecretKey()) }, flight.ref, "B", Date.now);
    for (const record of w.records.slice(0, 20)) forger.records.push(record);
    for (let i = 0; i < 10; i++) forger.sale(passengers[0]!.voucherText, [NOODLES, NOODLES, NOODLES]);
    const refusedForgery = await w.upload(flight.flightId, forger.batch(21, 30));
    expect([refusedForgery.status, refusedForgery.body.code, refusedForgery.body.details.reason]).toEqual([
      422,
      "batch_rejected",
      "bad_signature",
    ]);
    // A fork: this terminal's own key signing a different record 15 after the ground holds one.
    const fork = new RecordChain(w.identity, flight.ref, "B", Date.now);
    for (const record of w.records.slice(0, 14)) fork.records.push(record);
    fork.sale(passengers[1]!.voucherText, [NOODLES]);
    const refusedFork = await w.upload(flight.flightId, fork.batch(15, 15));
    expect([refusedFork.status, refusedFork.body.code]).toEqual([422, "batch_rejected"]);
    expect(await stored(w.terminalId)).toEqual(chainOf(w.records.slice(0, 20)));

    // A terminal enrolled for another flight: refused for this one, records naming it refused on its own.
    const stranger = await WireTerminal.enrol(api, ground, other.flightId, flight.ref, "A");
    stranger.sale(passengers[2]!.voucherText, [NOODLES]);
    const notAssigned = await stranger.upload(flight.flightId, stranger.batch());
    expect([notAssigned.status, notAssigned.body.code]).toEqual([403, "terminal_not_assigned"]);
    const wrongFlight = await stranger.upload(other.flightId, stranger.batch());
    expect([wrongFlight.status, wrongFlight.body.code, wrongFlight.body.details.reason]).toEqual([422, "batch_rejected", "wrong_flight"]);
    expect(await stored(stranger.terminalId)).toEqual([]);

    // The rest of B's chain, overlapping again, then the last part with its close.
    expect(outcomes((await upload(21, 35)).body)).toEqual({ accepted: 15 });
    const last = await upload(30, 42);
    expect([outcomes(last.body), last.body.serviceClosed]).toEqual([{ duplicate: 6, accepted: 7 }, true]);
    expect(await stored(w.terminalId)).toEqual(chainOf(w.records));
    expect(await core["sync/upload"]({ batchSizeMax: 5 })).toMatchObject({ rejected: [], duplicate: 0, serviceClosed: true });

    await waitUntilClosed(api, ground.financeKey, flight.flightId, () => ground.log().slice(-6_000));
    const voided = new Set(w.records.filter((r) => r.kind === "void").map((r) => r.referencedRecordId));
    const wireSales: TerminalSale[] = w.records
      .filter((r) => r.kind === "sale")
      .map((r) => ({
        recordId: r.recordId,
        voucherId: r.voucherId,
        totalMinor: r.totalMinor,
        voided: voided.has(r.recordId),
        refundedMinor: 0,
      }));
    expect(wireSales).toHaveLength(40);
    const facts = await gatherFacts(db, api, ground.financeKey, flight.flightId, [...(await coreSales([core])), ...wireSales], passengers);
    expect(auditFlight(facts)).toEqual([]);
    // Every refused batch was kept as evidence, and the service stayed up.
    const evidence = await db.query("SELECT count(*)::int AS n FROM rejected_batches WHERE terminal_id = ANY($1)", [
      [w.terminalId, stranger.terminalId],
    ]);
    expect(evidence.rows[0].n).toBe(4);
    expect([ground.isRunning("serve"), ground.isRunning("worker")]).toEqual([true, true]);
  });
});
