/**
 * Nothing approved is stranded by time: a terminal first switched on again after its flight's
 * manifest expired (a day after departure) still starts, shows what is unsent, and uploads it;
 * it only refuses to sell on that flight. Before, opening the expired manifest threw at start,
 * and the terminal could neither start nor upload.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEPARTURE_MS } from "../../ground-settlement/test/support/actors.js";
import type { TestApp } from "../../ground-settlement/test/support/app.js";
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
    expect(await core["sale/charge"]({ voucherText: ground.voucherText })).toMatchObject({ approved: true });
    core.close();

    t.clock.nowMs = DEPARTURE_MS + 30 * 3_600_000; // the manifest expired 6 hours ago
    const later = createTerminalCore({ dataDir, now: () => t.clock.nowMs });
    try {
      expect(await later["status/get"]({})).toMatchObject({ flight: { flightKey: "9C8850/2026-12-01" }, unsentRecords: 1 });
      await later["crew/login"]({ crewId: "C1001", pin: "2468" });
      await later["cart/add"]({ sku: "DR-COF-300" });
      expect(await later["sale/charge"]({ voucherText: ground.voucherText })).toMatchObject({ approved: false, reason: "expired" });
      expect(await later["sync/upload"]({})).toMatchObject({ accepted: 1, rejected: [] });
      expect((await later["status/get"]({})).unsentRecords).toBe(0);
    } finally {
      later.close();
    }
  });
});
