/**
 * Cabin sync on the ground (issue 20): ops choose the flight's spend policy and the manifest carries
 * it with the terminals holding its trolleys; the counters terminals bring down with their upload
 * are kept when they verify (newest per terminal) and checked against the ground's own records:
 * agreeing, waiting for records a peer heard of, or disagreeing (a terminal whose key signed
 * counters its records do not bear out).
 */
import {
  certifyDevice,
  createNobleSigner,
  decodeVoucherText,
  generateSecretKey,
  makeSpendSnapshot,
  type SaleLine,
  toBase64Url,
} from "@cabinpay/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildManifest } from "../src/services/manifests.js";
import { bearer, call, createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal, FLIGHT_9C8850 } from "./support/cabin.js";

const COFFEE: SaleLine[] = [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }];
const NOODLES: SaleLine[] = [{ sku: "ML-NOO-100", quantity: 1, unitPriceMinor: 4_800 }];
const IN_FLIGHT_MS = DEPARTURE_MS + 3_600_000;

describe("cabin counters on the ground", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let flightId: string;
  let a: CabinTerminal;
  let b: CabinTerminal;
  let voucherText: string;
  let voucherId: string;

  beforeAll(async () => {
    t = await createTestApp("pglite");
    keys = await staffKeys(t);
    ({ flightId } = await createFlight(t, keys.ops));
    await loadFlight(t, keys.ops, flightId);
    const holder = await passenger(t, keys.ops, 50_000);
    const payload = { flightId, capMinor: 20_000 };
    voucherText = (await call(t.app, { method: "POST", url: "/registrations", headers: bearer(holder.token), payload }, 201)).json()
      .voucherText;
    const decoded = decodeVoucherText(voucherText);
    if (!decoded.ok) throw new Error(decoded.detail);
    voucherId = decoded.voucher.voucherId;
    a = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId, "A"), flightId, FLIGHT_9C8850, "A");
    b = new CabinTerminal(t, await enrolTerminal(t, keys.ops, flightId, "B"), flightId, FLIGHT_9C8850, "B");
  });
  afterAll(async () => {
    await t.close();
  });

  /** What `of` says it approved and gave back for the voucher, signed with its key, as of its first `records` records. */
  const countersOf = (of: CabinTerminal, records: number, approvedMinor: number, givenBackMinor = 0) =>
    of.counters([{ voucherId, approvedMinor, givenBackMinor }], records);
  const send = (by: CabinTerminal, snapshots: string[]) => by.sendCounters(snapshots);
  const checks = async () =>
    Object.fromEntries(
      (await call(t.app, { method: "GET", url: `/finance/flights/${flightId}/cabin-counters`, headers: bearer(keys.finance) }, 200))
        .json()
        .counters.map((c: { terminalId: string; status: string; vouchersDiffering: number }) => [
          c.terminalId === a.terminal.terminalId ? "A" : "B",
          [c.status, c.vouchersDiffering],
        ]),
    );

  it("carries the spend policy ops chose and the terminals holding the flight's trolleys in the next manifest", async () => {
    const url = `/ops/flights/${flightId}/spend-policy`;
    expect((await t.app.inject({ method: "PUT", url, headers: bearer(keys.ops), payload: { spendPolicy: "half" } })).statusCode).toBe(400);
    expect(
      (await call(t.app, { method: "PUT", url, headers: bearer(keys.ops), payload: { spendPolicy: "share" } }, 200)).json(),
    ).toMatchObject({
      spendPolicy: "share",
    });
    const manifest = await buildManifest(t.db, t.infra.keys, flightId, t.clock.nowMs);
    expect(manifest.spendPolicy).toBe("share");
    expect(manifest.cabinTerminals).toEqual(
      [
        { terminalId: a.terminal.terminalId, trolleyId: "A" },
        { terminalId: b.terminal.terminalId, trolleyId: "B" },
      ].sort((x, y) => (x.terminalId < y.terminalId ? -1 : 1)),
    );
  });

  it("keeps the newest verified counters per terminal, and refuses a stranger's, another ground's and an older one", async () => {
    t.clock.nowMs = IN_FLIGHT_MS;
    const sale = a.sale(voucherText, NOODLES);
    a.sale(voucherText, COFFEE);
    a.void(sale);
    const stranger = createNobleSigner(generateSecretKey());
    const otherGround = certifyDevice(
      {
        terminalId: a.terminal.terminalId,
        devicePublicKey: stranger.publicKey,
        terminalName: "X",
        issuedAtMs: 0,
        expiresAtMs: IN_FLIGHT_MS * 2,
      },
      createNobleSigner(generateSecretKey()),
    );
    const forged = makeSpendSnapshot(
      { flight: FLIGHT_9C8850, terminalId: a.terminal.terminalId, version: 9, createdAtMs: IN_FLIGHT_MS, entries: [] },
      otherGround.bytes,
      stranger,
    );
    // B heard A after its first record, then after all three; it also passes on one a stranger made.
    const sent = await send(b, [
      countersOf(a, 1, 4_800),
      countersOf(a, 3, 6_800, 4_800),
      toBase64Url(forged.bytes),
      countersOf(a, 1, 4_800),
    ]);
    expect(sent.statusCode).toBe(200);
    expect(sent.json().verdicts).toEqual(["kept", "kept", "unknown_ground_key", "older"]);
    // A's records are not down yet: what B heard is evidence of three records the ground must still receive.
    expect(await checks()).toEqual({ A: ["waiting", 0] });
    expect((await a.upload()).statusCode).toBe(200);
    expect(await checks()).toEqual({ A: ["agrees", 0] });
  });

  it("says so when a terminal's signed counters disagree with the records it uploaded", async () => {
    b.sale(voucherText, COFFEE);
    expect((await b.upload()).statusCode).toBe(200);
    // B's key signs that it approved 10.00 in its one record; the record says 20.00.
    expect((await send(b, [countersOf(b, 1, 1_000)])).json().verdicts).toEqual(["kept"]);
    expect(await checks()).toEqual({ A: ["agrees", 0], B: ["disagrees", 1] });
  });

  it("refuses a body over its limits and a terminal not assigned to the flight, keeping what it holds", async () => {
    const tooMany = await send(
      b,
      Array.from({ length: 17 }, () => countersOf(b, 1, 2_000)),
    );
    expect([tooMany.statusCode, tooMany.json().code]).toEqual([400, "validation_failed"]);
    const spare = new CabinTerminal(t, await enrolTerminal(t, keys.ops), flightId);
    const outsider = await send(spare, [countersOf(b, 1, 2_000)]);
    expect([outsider.statusCode, outsider.json().code]).toEqual([403, "terminal_not_assigned"]);
    expect(await checks()).toEqual({ A: ["agrees", 0], B: ["disagrees", 1] });
  });
});
