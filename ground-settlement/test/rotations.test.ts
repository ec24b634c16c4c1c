/**
 * Rotations and trolleys (issue 16): ops plan an aircraft's legs of a day; a leg with no stock of
 * its own carries its trolleys over from the leg before; one terminal per trolley of a flight,
 * freed by ops when a terminal is lost; a record sold from another trolley than the one assigned
 * is kept but not settled.
 */
import { fromBase64Url, type Manifest, parseRotationBundle, toBase64Url, verifyManifest } from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bearer,
  call,
  createFlight,
  DEPARTURE_MS,
  enrolTerminal,
  enrolWithCode,
  loadFlight,
  passenger,
  register,
  SAMPLE_PRICES_CSV,
  staffKeys,
} from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";

const HOUR_MS = 3_600_000;

describe("rotations and one terminal per trolley", () => {
  let t: TestApp;
  let ops: string;
  let legIds: string[];
  let rotationId: string;

  beforeAll(async () => {
    t = await createTestApp("postgres");
    ({ ops } = await staffKeys(t));
    t.clock.nowMs = DEPARTURE_MS - 5 * HOUR_MS;
    legIds = [];
    for (const [index, number] of ["8861", "8862", "8863"].entries()) {
      const { flightId } = await createFlight(t, ops, { number, departureAtMs: DEPARTURE_MS + index * 3 * HOUR_MS });
      await loadFlight(t, ops, flightId);
      legIds.push(flightId);
    }
    // Leg 2: prices only, its trolleys carry leg 1's stock over.
    await call(
      t.app,
      {
        method: "PUT",
        url: `/ops/flights/${legIds[1]}/catalog`,
        headers: { ...bearer(ops), "content-type": "text/csv" },
        payload: SAMPLE_PRICES_CSV,
      },
      200,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const plan = (flightIds: string[], aircraft = "B-30AA") =>
    t.app.inject({ method: "POST", url: "/ops/rotations", headers: bearer(ops), payload: { aircraft, date: "2026-12-01", flightIds } });

  it("plans a rotation of legs in the order flown, and refuses one out of order, repeated, or sharing a leg", async () => {
    const backwards = await plan([legIds[1]!, legIds[0]!]);
    expect([backwards.statusCode, backwards.json().code]).toEqual([422, "rotation_invalid"]);
    const twice = await plan([legIds[0]!, legIds[0]!]);
    expect([twice.statusCode, twice.json().code]).toEqual([422, "rotation_invalid"]);
    const planned = await plan(legIds);
    expect(planned.statusCode).toBe(201);
    rotationId = planned.json().rotationId;
    expect(planned.json().legs.map((leg: { number: string; stockCarried: boolean }) => [leg.number, leg.stockCarried])).toEqual([
      ["8861", false],
      ["8862", true],
      ["8863", false],
    ]);
    const again = await plan([
      legIds[2]!,
      (await createFlight(t, ops, { number: "8869", departureAtMs: DEPARTURE_MS + 20 * HOUR_MS })).flightId,
    ]);
    expect([again.statusCode, again.json().code]).toEqual([409, "rotation_conflict"]);
    const listed = await call(t.app, { method: "GET", url: "/ops/rotations?date=2026-12-01", headers: bearer(ops) }, 200);
    expect(listed.json().rotations.map((r: { rotationId: string }) => r.rotationId)).toEqual([rotationId]);
  });

  it("enrols a terminal on a trolley of every leg; its manifests name each leg, and the carried leg loads no stock of its own", async () => {
    const code = await codeFor({ rotationId, trolleyId: "A" }, 201);
    const terminal = await enrolWithCode(t, code.json().code);
    expect(terminal.flightIds).toEqual(legIds);
    const assigned = await call(t.app, terminal.request("GET", "/terminal/assignments"), 200);
    expect(
      assigned.json().assignments.map((a: { trolleyId: string; rotation: { legNumber: number } }) => [a.trolleyId, a.rotation.legNumber]),
    ).toEqual([
      ["A", 1],
      ["A", 2],
      ["A", 3],
    ]);
    const manifests: Manifest[] = [];
    for (const flightId of legIds) {
      const response = await call(t.app, terminal.request("GET", `/terminal/flights/${flightId}/manifest`), 200);
      manifests.push(verified(response.rawPayload, terminal.manifestPublicKey));
    }
    expect(manifests.map((m) => [m.rotation?.legNumber, m.rotation?.legCount, m.rotation?.stockCarried])).toEqual([
      [1, 3, false],
      [2, 3, true],
      [3, 3, false],
    ]);
    expect(manifests[1]!.trolleys).toEqual(["A", "B"]);
    expect(manifests[1]!.catalog.every((item) => item.stockByTrolley["A"] === 0 && item.stockByTrolley["B"] === 0)).toBe(true);
    expect(manifests[2]!.catalog.find((item) => item.sku === "DF-CHO-040")?.stockByTrolley["A"]).toBe(20);
    // The same manifests in one file, for a gate with no connection.
    const file = await call(t.app, { method: "GET", url: `/ops/rotations/${rotationId}/manifests`, headers: bearer(ops) }, 200);
    const bundle = parseRotationBundle(file.body);
    if (!bundle.ok) throw new Error(bundle.detail);
    expect(bundle.manifests.map((bytes) => verified(bytes, terminal.manifestPublicKey).rotation?.legNumber)).toEqual([1, 2, 3]);
    expect(file.headers["content-disposition"]).toMatch(/rotation-B-30AA-2026-12-01\.json/);
  });

  it("refuses a second terminal for a held trolley (saying which holds it and how to free it), and takes one once ops freed it", async () => {
    const taken = await codeFor({ rotationId, trolleyId: "A" }, 409);
    expect(taken.json()).toMatchObject({ code: "trolley_taken", details: { trolleyId: "A", holder: { terminalName: "Trolley A" } } });
    expect(taken.json().message).toMatch(/release/);
    const unknown = await codeFor({ flightId: legIds[0]!, trolleyId: "Z" }, 422);
    expect(unknown.json().code).toBe("trolley_unknown");
    expect((await codeFor({ flightId: legIds[0]! }, 400)).json().code).toBe("validation_failed");
    // Two enrolments racing for trolley B: one takes it.
    const codes = [
      (await codeFor({ flightId: legIds[0]!, trolleyId: "B" }, 201)).json().code,
      (await codeFor({ flightId: legIds[0]!, trolleyId: "B" }, 201)).json().code,
    ];
    const raced = await Promise.all(
      codes.map((code) =>
        t.app.inject({
          method: "POST",
          url: "/terminals/enrol",
          payload: { code, publicKey: toBase64Url(crypto.getRandomValues(new Uint8Array(32))) },
        }),
      ),
    );
    expect(raced.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    // Ops free trolley A of leg 1: a new terminal takes it there; leg 2 stays with the first.
    const freed = await call(t.app, { method: "POST", url: `/ops/flights/${legIds[0]}/trolleys/A/release`, headers: bearer(ops) }, 200);
    expect(freed.json().released).toMatchObject({ terminalName: "Trolley A" });
    await codeFor({ flightId: legIds[0]!, trolleyId: "A" }, 201);
    await codeFor({ flightId: legIds[1]!, trolleyId: "A" }, 409);
  });

  it("keeps, but does not settle, a sale recorded on another trolley than the one assigned", async () => {
    const { flightId } = await createFlight(t, ops, { number: "8868" });
    await loadFlight(t, ops, flightId);
    const p = await passenger(t, ops, 50_000);
    const { voucherText } = await register(t, p.token, flightId, 20_000);
    const terminal = await enrolTerminal(t, ops, flightId, "A");
    const cabin = new CabinTerminal(t, terminal, flightId, { carrier: "9C", number: "8868", date: "2026-12-01" }, "B");
    cabin.sale(voucherText, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2000 }]);
    t.clock.nowMs = DEPARTURE_MS + 3 * HOUR_MS;
    const answer = await cabin.upload();
    expect(answer.json().records.map((r: { outcome: string; reason?: string }) => [r.outcome, r.reason])).toEqual([
      ["rejected", "trolley_mismatch"],
    ]);
    t.clock.nowMs = DEPARTURE_MS - 5 * HOUR_MS;
  });

  it("takes the purser's handover only after the close, from the trolley assigned, and reports where its stock differs from the ground's", async () => {
    const { flightId } = await createFlight(t, ops, { number: "8867" });
    await loadFlight(t, ops, flightId);
    const p = await passenger(t, ops, 50_000);
    const { voucherText } = await register(t, p.token, flightId, 20_000);
    const terminal = await enrolTerminal(t, ops, flightId, "A");
    const cabin = new CabinTerminal(t, terminal, flightId, { carrier: "9C", number: "8867", date: "2026-12-01" }, "A");
    cabin.sale(voucherText, [{ sku: "DF-CHO-040", quantity: 2, unitPriceMinor: 12_800 }]);
    t.clock.nowMs = DEPARTURE_MS + 3 * HOUR_MS;
    const handover = (body: object) =>
      t.app.inject(
        terminal.request("POST", `/terminal/flights/${flightId}/handover`, {
          body: Buffer.from(JSON.stringify(body)),
          contentType: "application/json",
        }),
      );
    // 20 chocolate boxes loaded, 2 sold: 18 left; the purser counted 17.
    const counted = { trolleyId: "A", sealAtOpen: null, sealAtClose: "SL-7001", stockLeft: [{ sku: "DF-CHO-040", quantity: 17 }] };
    await call(t.app, cabin.terminal.request("POST", `/terminal/flights/${flightId}/batches`, { body: Buffer.from(cabin.batch()) }), 200);
    const early = await handover(counted);
    expect([early.statusCode, early.json().code]).toEqual([409, "service_open"]);
    cabin.close();
    await call(t.app, cabin.terminal.request("POST", `/terminal/flights/${flightId}/batches`, { body: Buffer.from(cabin.batch(2)) }), 200);
    const otherTrolley = await handover({ ...counted, trolleyId: "B" });
    expect([otherTrolley.statusCode, otherTrolley.json().code]).toEqual([400, "validation_failed"]);
    expect((await handover(counted)).statusCode).toBe(204);
    const report = await call(t.app, { method: "GET", url: `/finance/flights/${flightId}/reconciliation`, headers: bearer(ops) }, 200);
    expect(report.json().handovers).toEqual([
      expect.objectContaining({
        trolleyId: "A",
        sealAtClose: "SL-7001",
        sealContinuity: "unknown",
        stockMismatches: [{ sku: "DF-CHO-040", reported: 17, ground: 18 }],
      }),
    ]);
    t.clock.nowMs = DEPARTURE_MS - 5 * HOUR_MS;
  });

  function codeFor(target: { flightId?: string; rotationId?: string; trolleyId?: string }, status: number) {
    return call(
      t.app,
      {
        method: "POST",
        url: "/ops/enrolment-codes",
        headers: bearer(ops),
        payload: { name: `Trolley ${target.trolleyId ?? "?"}`, ...target },
      },
      status,
    );
  }

  function verified(bytes: Uint8Array, manifestPublicKey: string): Manifest {
    const result = verifyManifest(bytes, {
      manifestKey: fromBase64Url(manifestPublicKey)!,
      verifier: createNodeVerifier(),
      nowMs: t.clock.nowMs,
      clockToleranceMs: 60_000,
    });
    if (!result.ok) throw new Error(result.detail);
    return result.manifest;
  }
});
