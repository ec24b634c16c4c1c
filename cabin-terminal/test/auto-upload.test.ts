/**
 * Upload without being asked (issue 16, point 3): a terminal with unsent records keeps trying in
 * the background while the ground cannot be reached, backing off, and uploads as soon as the
 * ground answers, telling the page; crew pressing Upload at the same moment shares that upload.
 */

import { DEPARTURE_MS } from "@cabinpay/ground-settlement/testing/actors";
import type { TestApp } from "@cabinpay/ground-settlement/testing/app";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTerminalCore } from "../src/core/api.js";
import { tempDir } from "./support/fixtures.js";
import { type GroundWithFlight, groundWithFlight } from "./support/ground.js";

describe("the background upload", () => {
  let ground: GroundWithFlight;
  let t: TestApp;

  beforeAll(async () => {
    ground = await groundWithFlight({ capMinor: 50_000, seat: "7D" });
    t = ground.t;
  });
  afterAll(async () => {
    await t.close();
  });

  it("uploads by itself once the ground answers, and tells the page", async () => {
    // The cabin link: down in the air and at the gate, up after landing.
    let linkUp = true;
    let attemptsWhileDown = 0;
    const link: typeof fetch = (input, init) => {
      if (!linkUp) {
        attemptsWhileDown += 1;
        return Promise.reject(new TypeError("fetch failed: no connection"));
      }
      return fetch(input, init);
    };
    let changes = 0;
    const core = createTerminalCore({
      dataDir: tempDir(),
      now: () => t.clock.nowMs,
      fetch: link,
      autoUploadEveryMs: 100,
      onStatusChanged: () => {
        changes += 1;
      },
    });
    try {
      await core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode() });
      await core["manifest/download"]({ carrier: "9C", number: "8850", date: "2026-12-01", trolleyId: "A" });
      linkUp = false;
      t.clock.nowMs = DEPARTURE_MS + 3_600_000;
      await core["crew/login"]({ crewId: "C1001", pin: "2468" });
      await core["cart/add"]({ sku: "DR-COF-300" });
      expect(await core["sale/charge"]({ voucherText: ground.voucherText })).toMatchObject({ ok: true });
      expect(await core["service/close"]({})).toMatchObject({ ok: true });

      // Offline: it keeps trying, with nothing lost and nothing marked sent.
      await expect.poll(() => attemptsWhileDown, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      expect((await core["status/get"]({})).unsentRecords).toBe(2);

      // Landed: nobody presses anything.
      t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
      linkUp = true;
      // The attempt under way may still be sleeping out its retries (up to 15 s) when the link
      // comes back, and the embedded ground is slow on a loaded 2-core box: a wide wait, not a figure.
      await expect.poll(async () => (await core["status/get"]({})).unsentRecords, { timeout: 60_000 }).toBe(0);
      // The page is told once the attempt has finished, just after its records were marked sent.
      await expect.poll(() => changes, { timeout: 10_000 }).toBeGreaterThan(0);
      // Crew can still press Upload: nothing is left, nothing is sent twice.
      expect(await core["sync/upload"]({})).toMatchObject({ sent: 0, accepted: 0 });
    } finally {
      core.close();
    }
  }, 120_000);
});
