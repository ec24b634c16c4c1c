/**
 * A cloned terminal's fork is reported, never dropped (issue 15, point 5): two devices with one
 * device key sell different records; the first uploads; the second finds the ground's head is not
 * its own record, sends its chain for the ground to keep as evidence, marks nothing sent, and stops.
 */
import { cpSync } from "node:fs";
import { rejectedBatches } from "@cabinpay/ground-settlement/internal/db/schema/uploads";
import { DEPARTURE_MS } from "@cabinpay/ground-settlement/testing/actors";
import type { TestApp } from "@cabinpay/ground-settlement/testing/app";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TerminalApi } from "../src/api/contract.js";
import { createTerminalCore } from "../src/core/api.js";
import { TerminalError } from "../src/core/errors.js";
import { tempDir } from "./support/fixtures.js";
import { groundWithFlight } from "./support/ground.js";

describe("a cloned terminal", () => {
  let t: TestApp;
  let voucherText: string;
  let original: TerminalApi & { close(): void };
  let clone: TerminalApi & { close(): void };
  let terminalId: string;

  beforeAll(async () => {
    const ground = await groundWithFlight({ capMinor: 50_000, seat: "7D" });
    ({ t, voucherText } = ground);
    const dir = tempDir();
    const first = createTerminalCore({ dataDir: dir, now: () => t.clock.nowMs });
    terminalId = (await first["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode() })).terminalId;
    await first["manifest/download"]({ carrier: "9C", number: "8850", date: "2026-12-01", trolleyId: "A" });
    first.close();
    // The whole data folder copied, device key included: two devices now sign as one terminal.
    const copy = tempDir();
    cpSync(dir, copy, { recursive: true });
    original = createTerminalCore({ dataDir: dir, now: () => t.clock.nowMs });
    clone = createTerminalCore({ dataDir: copy, now: () => t.clock.nowMs });
  });
  afterAll(async () => {
    original.close();
    clone.close();
    await t.close();
  });

  const sell = async (core: TerminalApi, sku: string) => {
    await core["crew/login"]({ crewId: "C1001", pin: "2468" });
    await core["cart/add"]({ sku });
    expect(await core["sale/charge"]({ voucherText })).toMatchObject({ ok: true });
  };

  it("is stopped at upload with the fork reported, and keeps every record it has", async () => {
    t.clock.nowMs = DEPARTURE_MS + 3_600_000;
    await sell(original, "DR-COF-300");
    await sell(clone, "DF-CHO-040");
    t.clock.nowMs = DEPARTURE_MS + 4 * 3_600_000;
    expect(await original["sync/upload"]({})).toMatchObject({ accepted: 1 });

    let refused: unknown;
    await clone["sync/upload"]({}).catch((error: unknown) => {
      refused = error;
    });
    expect(refused).toBeInstanceOf(TerminalError);
    expect(refused).toMatchObject({ code: "chain_forked" });
    expect((refused as Error).message).toMatch(/different record 1 .*another device is using this terminal's key.*call ops/);
    // Nothing marked sent, nothing deleted; the terminal stops selling on the flight.
    expect(await clone["status/get"]({})).toMatchObject({ unsentRecords: 1, chainProblem: expect.stringMatching(/another device/) });
    await clone["cart/add"]({ sku: "DR-COF-300" });
    await expect(clone["sale/charge"]({ voucherText })).rejects.toMatchObject({ code: "chain_broken" });
    // The ground keeps the clone's chain as evidence of the fork.
    const evidence = await t.db.select().from(rejectedBatches).where(eq(rejectedBatches.terminalId, terminalId));
    expect(evidence.map((row) => row.reason)).toEqual(["fork"]);
  });
});
