/**
 * Nothing approved is stranded on a terminal:
 * - by time: a terminal first switched on again after its flight's manifest expired (a day after
 *   departure) still starts, shows what is unsent, and uploads it; it only refuses to sell on that
 *   flight. Before, opening the expired manifest threw at start: no start, no upload;
 * - by a second leg: loading the next flight before uploading the first no longer leaves the
 *   first's records behind; an upload sends every flight with unsent records, oldest first;
 * - by re-enrolment: a new enrolment (a new terminal id) is refused while records are unsent;
 * - by another app version: one that cannot read a flight it finds stored refuses to start, says
 *   what is unsent and how to upload it, and changes nothing.
 */
import { join } from "node:path";
import {
  bearer,
  call,
  createFlight,
  DEPARTURE_MS,
  loadFlight,
  passenger,
  register,
  staffKeys,
} from "@cabinpay/ground-settlement/testing/actors";
import type { TestApp } from "@cabinpay/ground-settlement/testing/app";
import { MANIFEST_FORMAT_VERSION } from "@cabinpay/shared";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTerminalCore } from "../src/core/api.js";
import { tempDir } from "./support/fixtures.js";
import { type GroundWithFlight, groundWithFlight } from "./support/ground.js";

describe("a terminal switched on again after its flight's manifest expired", () => {
  let ground: GroundWithFlight;
  let t: TestApp;
  const dataDir = tempDir();

  beforeAll(async () => {
    ground = await groundWithFlight({ capMinor: 50_000, seat: "7D" });
    t = ground.t;
  });
  afterAll(async () => {
    await t.close();
  });

  it("starts, shows the unsent sale, uploads it, and sells nothing more on that flight", async () => {
    const core = createTerminalCore({ dataDir, now: () => t.clock.nowMs });
    await core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode() });
    await core["manifest/download"]({ carrier: "9C", number: "8850", date: "2026-12-01", trolleyId: "A" });
    t.clock.nowMs = DEPARTURE_MS + 3_600_000;
    await core["crew/login"]({ crewId: "C1001", pin: "2468" });
    await core["cart/add"]({ sku: "DR-COF-300" });
    expect(await core["sale/charge"]({ voucherText: ground.voucherText })).toMatchObject({ ok: true });
    core.close();

    t.clock.nowMs = DEPARTURE_MS + 30 * 3_600_000; // the manifest expired 6 hours ago
    const later = createTerminalCore({ dataDir, now: () => t.clock.nowMs });
    try {
      expect(await later["status/get"]({})).toMatchObject({ flight: { flightKey: "9C8850/2026-12-01" }, unsentRecords: 1 });
      await later["crew/login"]({ crewId: "C1001", pin: "2468" });
      await later["cart/add"]({ sku: "DR-COF-300" });
      expect(await later["sale/charge"]({ voucherText: ground.voucherText })).toMatchObject({ ok: false, reason: "expired" });
      expect(await later["sync/upload"]({})).toMatchObject({ accepted: 1, rejected: [] });
      expect((await later["status/get"]({})).unsentRecords).toBe(0);
    } finally {
      later.close();
    }
  });

  it("uploads an earlier leg's records with the next upload, oldest first, once the next leg was loaded", async () => {
    t.clock.nowMs = DEPARTURE_MS - 3 * 3_600_000;
    const { ops } = await staffKeys(t);
    const legTwo = { carrier: "9C", number: "8851", date: "2026-12-01" };
    const { flightId: legTwoId } = await createFlight(t, ops, {
      number: "8851",
      origin: "CTU",
      destination: "PVG",
      departureAtMs: DEPARTURE_MS + 4 * 3_600_000,
    });
    await loadFlight(t, ops, legTwoId);
    const buyer = await passenger(t, ops, 50_000);
    const { voucherText: legTwoVoucher } = await register(t, buyer.token, legTwoId, 20_000);

    const core = createTerminalCore({ dataDir: tempDir(), now: () => t.clock.nowMs });
    try {
      const { terminalId } = await core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode("B") });
      await call(
        t.app,
        { method: "PUT", url: `/ops/flights/${legTwoId}/terminals/${terminalId}`, headers: bearer(ops), payload: { trolleyId: "B" } },
        204,
      );
      await core["manifest/download"]({ carrier: "9C", number: "8850", date: "2026-12-01", trolleyId: "B" });
      const sell = async (voucherText: string) => {
        await core["crew/login"]({ crewId: "C1001", pin: "2468" });
        await core["cart/add"]({ sku: "DR-COF-300" });
        expect(await core["sale/charge"]({ voucherText })).toMatchObject({ ok: true });
      };
      t.clock.nowMs = DEPARTURE_MS + 3_600_000;
      await sell(ground.voucherText);
      expect(await core["service/close"]({})).toMatchObject({ ok: true });
      // The turnaround has no connection to upload; the next leg was loaded before departure.
      t.clock.nowMs = DEPARTURE_MS + 5 * 3_600_000;
      await core["manifest/download"]({ ...legTwo, trolleyId: "B" });
      await sell(legTwoVoucher);
      expect(await core["status/get"]({})).toMatchObject({
        unsentRecords: 3,
        unsentByFlight: [
          { flightKey: "9C8850/2026-12-01", records: 2 },
          { flightKey: "9C8851/2026-12-01", records: 1 },
        ],
      });

      // A new enrolment now would strand the three records: refused, saying what to do.
      await expect(core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode(null) })).rejects.toMatchObject({
        code: "records_unsent",
        message: expect.stringMatching(/2 of 9C8850\/2026-12-01, 1 of 9C8851\/2026-12-01.*upload them first/),
      });

      t.clock.nowMs = DEPARTURE_MS + 7 * 3_600_000;
      const summary = await core["sync/upload"]({});
      expect(summary.flights.map((f) => [f.flightKey, f.accepted])).toEqual([
        ["9C8850/2026-12-01", 2],
        ["9C8851/2026-12-01", 1],
      ]);
      expect(summary).toMatchObject({ accepted: 3, rejected: [] });
      expect((await core["status/get"]({})).unsentRecords).toBe(0);
    } finally {
      core.close();
    }
  });

  it("refuses to start under an app version that cannot read a stored flight with unsent records, and changes nothing", async () => {
    // A terminal of its own, on trolley A (freed from the first case's terminal).
    const { ops } = await staffKeys(t);
    await call(t.app, { method: "POST", url: `/ops/flights/${ground.flightId}/trolleys/A/release`, headers: bearer(ops) }, 200);
    const own = tempDir();
    t.clock.nowMs = DEPARTURE_MS - 3_600_000;
    const first = createTerminalCore({ dataDir: own, now: () => t.clock.nowMs });
    await first["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode("A") });
    await first["manifest/download"]({ carrier: "9C", number: "8850", date: "2026-12-01", trolleyId: "A" });
    await first["crew/login"]({ crewId: "C1001", pin: "2468" });
    await first["cart/add"]({ sku: "DR-COF-300" });
    expect(await first["sale/charge"]({ voucherText: ground.voucherText })).toMatchObject({ ok: true });
    first.close();
    // As another version would find it: a manifest format it does not read.
    const setFormat = (format: number) => {
      const sqlite = new Database(join(own, "terminal.db"));
      const { manifest } = sqlite.prepare("SELECT manifest FROM flights").get() as { manifest: Buffer };
      manifest[0] = format;
      sqlite.prepare("UPDATE flights SET manifest = ?").run(manifest);
      sqlite.close();
    };
    setFormat(9);
    let refusal: unknown;
    try {
      createTerminalCore({ dataDir: own, now: () => t.clock.nowMs }).close();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({
      code: "records_unsent",
      message: expect.stringMatching(/manifest format 9.*1 of its records are not on the ground yet.*Nothing was changed/),
    });
    // Back under the version that stored it: the same sale, still unsent, uploads.
    setFormat(MANIFEST_FORMAT_VERSION);
    const again = createTerminalCore({ dataDir: own, now: () => t.clock.nowMs });
    try {
      expect((await again["status/get"]({})).unsentRecords).toBe(1);
      t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
      expect(await again["sync/upload"]({})).toMatchObject({ accepted: 1 });
    } finally {
      again.close();
    }
  });
});
