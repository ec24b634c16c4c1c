/** What ops see set on a flight: catalog with opening stock per trolley, roster without PINs, terminals on trolleys. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, call, createFlight, enrolTerminal, loadFlight, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";

describe("a flight's setup for ops", () => {
  let t: TestApp;
  let ops: string;
  let finance: string;
  let flightId: string;
  beforeAll(async () => {
    t = await createTestApp("pglite");
    ({ ops, finance } = await staffKeys(t));
    ({ flightId } = await createFlight(t, ops));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const setup = async (key = ops, id = flightId, status = 200) =>
    (await call(t.app, { method: "GET", url: `/ops/flights/${id}/setup`, headers: bearer(key) }, status)).json();

  it("is empty before anything is loaded", async () => {
    expect(await setup()).toEqual({ catalog: [], trolleys: [], crew: [], terminals: [] });
  });

  it("shows the catalog with each trolley's stock, the roster with no PIN, and who holds a trolley", async () => {
    await loadFlight(t, ops, flightId);
    await enrolTerminal(t, ops, flightId, "B");
    const shown = await setup();
    expect(shown.catalog).toHaveLength(21);
    expect(shown.catalog.find((item: { sku: string }) => item.sku === "DF-CHO-040")).toEqual({
      sku: "DF-CHO-040",
      nameEn: "Chocolate Gift Box 300 g",
      nameZh: "巧克力礼盒 300克",
      category: "duty_free",
      priceMinor: 12_800,
      stock: { A: 20, B: 20 },
    });
    expect(shown.trolleys).toEqual(["A", "B"]);
    expect(shown.crew.map((member: { crewId: string; role: string }) => [member.crewId, member.role])).toEqual([
      ["C1001", "purser"],
      ["C1002", "crew"],
    ]);
    // Nothing of a PIN or its verifier leaves the ground.
    expect(JSON.stringify(shown)).not.toMatch(/pin|salt|hash|2468|1357/i);
    expect(shown.terminals).toEqual([{ terminalId: expect.any(String), name: expect.any(String), trolleyId: "B" }]);
  });

  it("is for ops only, and says when the flight does not exist", async () => {
    expect((await setup(finance, flightId, 403)).code).toBe("forbidden");
    expect((await setup(ops, crypto.randomUUID(), 404)).code).toBe("flight_not_found");
  });
});
