import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../src/db/client.js";
import { parseCsv } from "../src/services/csv.js";
import { bearer, call, createFlight, SAMPLE_CATALOG_CSV, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";

describe("catalog and crew loading", () => {
  let t: TestApp;
  let ops: string;
  let flightId: string;
  beforeAll(async () => {
    t = await createTestApp("pglite");
    ({ ops } = await staffKeys(t));
    ({ flightId } = await createFlight(t, ops));
  });
  afterAll(async () => {
    await t.close();
  });

  const putCsv = (csv: string) =>
    call(t.app, {
      method: "PUT",
      url: `/ops/flights/${flightId}/catalog`,
      headers: { ...bearer(ops), "content-type": "text/csv" },
      payload: csv,
    });
  const itemCount = async () => (await queryRows<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM catalog_items`))[0]!.n;

  it("loads the sample CSV: 21 items on trolleys A and B", async () => {
    expect((await putCsv(SAMPLE_CATALOG_CSV)).json()).toEqual({ items: 21, trolleys: ["A", "B"] });
    expect(await itemCount()).toBe(21);
  });

  it("reports every bad line by number and keeps the catalog it had", async () => {
    const lines = SAMPLE_CATALOG_CSV.trim().split("\n");
    lines[3] = lines[3]!.replace(",42000,", ",forty,"); // line 4: price
    lines[7] = lines[7]!.replace(",CNY,", ",USD,"); // line 8: currency
    lines[9] = lines[1]!; // line 10: duplicate sku of line 2
    const response = await putCsv(`${lines.join("\n")}\n`);
    expect(response.statusCode).toBe(422);
    const body = response.json();
    expect(body.code).toBe("invalid_catalog");
    expect(body.details.map((d: { line: number }) => d.line)).toEqual([4, 8, 10]);
    expect(body.details[0].message).toMatch(/price_minor/);
    expect(body.details[1].message).toMatch(/sells in CNY/);
    expect(body.details[2].message).toMatch(/appears twice/);
    expect(await itemCount()).toBe(21);
  });

  it("refuses a CSV without the required columns", async () => {
    const response = await putCsv("sku,price_minor\nX,1\n");
    expect(response.json()).toMatchObject({ code: "invalid_catalog", details: [{ line: 1 }] });
  });

  it("takes the same catalog as JSON, with problems reported per item", async () => {
    const items = [
      { sku: "DR-COF-300", nameEn: "Hot Coffee", nameZh: "热咖啡", category: "drink", priceMinor: 2000, stock: { A: 60, B: 60 } },
      { sku: "bad sku", nameEn: "", nameZh: "", category: "drink", priceMinor: 1, stock: { A: 1 } },
    ];
    const refused = await call(t.app, { method: "PUT", url: `/ops/flights/${flightId}/catalog`, headers: bearer(ops), payload: { items } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().details.every((d: { line: number }) => d.line === 2)).toBe(true);
    const accepted = await call(
      t.app,
      { method: "PUT", url: `/ops/flights/${flightId}/catalog`, headers: bearer(ops), payload: { items: [items[0]] } },
      200,
    );
    expect(accepted.json()).toEqual({ items: 1, trolleys: ["A", "B"] });
  });

  it("reads quoted CSV fields with commas, quotes and line breaks", () => {
    const rows = parseCsv('a,"b, with comma","say ""hi"""\r\n"multi\nline",x,y\n', { rowsMax: 10, fieldsMax: 5, fieldCharsMax: 50 });
    expect(rows).toEqual([
      { line: 1, fields: ["a", "b, with comma", 'say "hi"'] },
      { line: 2, fields: ["multi\nline", "x", "y"] },
    ]);
    expect(() => parseCsv('"open', { rowsMax: 10, fieldsMax: 5, fieldCharsMax: 50 })).toThrow(/not closed/);
    expect(() => parseCsv("a\nb\nc\n", { rowsMax: 2, fieldsMax: 5, fieldCharsMax: 50 })).toThrow(/more than 2 rows/);
  });

  it("checks the crew roster and never stores a PIN", async () => {
    const put = (crew: unknown[]) =>
      call(t.app, { method: "PUT", url: `/ops/flights/${flightId}/crew`, headers: bearer(ops), payload: { crew } });
    const duplicate = await put([
      { crewId: "C1", name: "A", role: "crew", pin: "1234" },
      { crewId: "C1", name: "B", role: "purser", pin: "5678" },
    ]);
    expect(duplicate.json()).toMatchObject({ code: "invalid_crew" });
    expect((await put([])).json().code).toBe("invalid_crew");
    expect((await put([{ crewId: "C1", name: "A", role: "captain", pin: "1234" }])).json().code).toBe("validation_failed");
    expect((await put([{ crewId: "C1", name: "A", role: "crew", pin: "12" }])).json().code).toBe("validation_failed");
    expect((await put([{ crewId: "C1", name: "A", role: "crew", pin: "918273" }])).json()).toEqual({ crew: 1 });
    const stored = await queryRows<Record<string, unknown>>(t.db, sql`SELECT * FROM crew_members`);
    expect(JSON.stringify(stored)).not.toContain("918273");
  });
});
