/**
 * One text rule on every field (issue 15, point 6): a NUL or any other control character, or a lone
 * surrogate, in names, e-mails, crew, enrolment code names, notes and catalog JSON or CSV is a 4xx
 * with a stable code (a NUL reached PostgreSQL and gave 500 before), and nothing stored changes;
 * text is stored in NFC.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, call, createFlight, passenger, SAMPLE_CATALOG_CSV, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { storedCounts } from "./support/routes.js";

describe("the text rule on every field", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let flightId: string;
  let p: { passengerId: string; token: string };

  beforeAll(async () => {
    t = await createTestApp("postgres");
    keys = await staffKeys(t);
    ({ flightId } = await createFlight(t, keys.ops));
    p = await passenger(t, keys.ops, 10_000);
  });
  afterAll(async () => {
    await t.close();
  });

  const BAD = ["\u0000", "\u0007", "\n", "\u007f", "\u0085", "\ud800"];

  const cases = (bad: string) => [
    {
      method: "POST" as const,
      url: "/passengers",
      payload: { email: `a${bad}@example.com`, password: "long enough password", displayName: "A" },
    },
    {
      method: "POST" as const,
      url: "/passengers",
      payload: { email: "b@example.com", password: "long enough password", displayName: `Li${bad}Na` },
    },
    {
      method: "POST" as const,
      url: "/passengers",
      payload: { email: "c@example.com", password: `long enough${bad}password`, displayName: "C" },
    },
    { method: "POST" as const, url: "/sessions", payload: { email: `x${bad}@example.com`, password: "whatever" } },
    { method: "POST" as const, url: "/web/staff-session", payload: { email: `x${bad}@example.com`, password: "whatever" } },
    { method: "POST" as const, url: "/ops/enrolment-codes", headers: bearer(keys.ops), payload: { name: `Trolley${bad}A` } },
    {
      method: "PUT" as const,
      url: `/ops/flights/${flightId}/crew`,
      headers: bearer(keys.ops),
      payload: { crew: [{ crewId: "C1", name: `Wang${bad}Fang`, role: "crew", pin: "1234" }] },
    },
    {
      method: "PUT" as const,
      url: `/ops/flights/${flightId}/catalog`,
      headers: bearer(keys.ops),
      payload: { items: [{ sku: "X-1", nameEn: `Tea${bad}`, nameZh: "茶", category: "drink", priceMinor: 1, stock: { A: 1 } }] },
    },
    {
      method: "POST" as const,
      url: "/registrations",
      headers: bearer(p.token),
      payload: { flightId, capMinor: 100, passengerName: `ZHANG${bad}WEI` },
    },
    // A lone surrogate cannot be percent-encoded: a URL can only carry the control characters.
    ...(bad === "\ud800" ? [] : [{ method: "GET" as const, url: `/flights?carrier=9C&number=${encodeURIComponent(`88${bad}50`)}` }]),
  ];

  it("refuses a control character or lone surrogate in any text field with 400, storing nothing", async () => {
    const before = await storedCounts(t);
    for (const bad of BAD) {
      for (const request of cases(bad)) {
        const response = await t.app.inject(request);
        expect(
          [response.statusCode, response.json().code],
          `${request.method} ${request.url} with U+${bad.charCodeAt(0).toString(16)}`,
        ).toEqual([400, "validation_failed"]);
        expect(response.json().message).toMatch(/control characters|not valid Unicode/);
      }
    }
    expect(await storedCounts(t)).toEqual(before);
  });

  it("refuses a control character in a catalog CSV cell line by line, storing nothing", async () => {
    const before = await storedCounts(t);
    const lines = SAMPLE_CATALOG_CSV.trim().split("\n");
    lines[2] = lines[2]!.replace(/^([^,]+,)([^,]+)/, "$1$2\u0000");
    const response = await t.app.inject({
      method: "PUT",
      url: `/ops/flights/${flightId}/catalog`,
      headers: { ...bearer(keys.ops), "content-type": "text/csv" },
      payload: lines.join("\n"),
    });
    expect([response.statusCode, response.json().code]).toEqual([422, "invalid_catalog"]);
    expect(response.json().details).toEqual([
      { line: 3, message: "name_en must not contain control characters (such as NUL, tab or line breaks)" },
    ]);
    expect(await storedCounts(t)).toEqual(before);
  });

  it("stores names in NFC, so one name is one byte string", async () => {
    const decomposed = "Zoe\u0308 Nu\u0301n\u0303ez";
    const made = await call(
      t.app,
      {
        method: "POST",
        url: "/passengers",
        payload: { email: "zoe@example.com", password: "long enough password", displayName: decomposed },
      },
      201,
    );
    const me = await call(t.app, { method: "GET", url: "/me", headers: bearer(made.json().token) }, 200);
    expect(me.json().displayName).toBe(decomposed.normalize("NFC"));
    expect(me.json().displayName).not.toBe(decomposed);
  });
});
