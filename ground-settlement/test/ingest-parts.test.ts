/** Small parts of ingest a reader might doubt: the query sent early, the array literals, the bounded voucher cache. */
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrayLiteral } from "../src/db/arrays.js";
import { queryRows } from "../src/db/client.js";
import { sendNow } from "../src/services/ingest-store.js";
import { GoodVouchers } from "../src/services/ingest-vouchers.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "./support/databases.js";

describe("sendNow", () => {
  it("starts a lazy query before the caller's next step, which a plain promise of it would not", async () => {
    const started: string[] = [];
    const lazy = (name: string): PromiseLike<string> => ({
      // biome-ignore lint/suspicious/noThenProperty: a lazy thenable is exactly what drizzle's queries are
      then(resolve, reject) {
        started.push(name);
        return Promise.resolve(name).then(resolve, reject);
      },
    });
    const early = sendNow(lazy("sent now"));
    const late = Promise.resolve().then(() => lazy("awaited later"));
    started.push("caller checks signatures");
    expect(started).toEqual(["sent now", "caller checks signatures"]);
    expect(await early).toBe("sent now");
    expect(await await late).toBe("awaited later");
  });
});

describe("the good-voucher cache of one ingest service", () => {
  it("keeps at most its bound, dropping the oldest first", () => {
    const good = new GoodVouchers(3);
    for (const key of ["a", "b", "c", "d"]) good.remember(key);
    expect(good.size).toBe(3);
    expect(good.has("a")).toBe(false);
    expect(good.has("d")).toBe(true);
  });

  it("is the service's own: a second service starts empty", () => {
    const first = new GoodVouchers();
    first.remember("a");
    expect(first.has("a")).toBe(true);
    expect(new GoodVouchers().has("a")).toBe(false);
  });
});

describe.each(ENGINES)("array literals as %s reads them", (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine, { migrate: false });
  }, 120_000);
  afterAll(() => database.drop());

  const roundTrip = async (values: readonly (string | null)[]) => {
    const [row] = await queryRows<{ back: (string | null)[] }>(database.handle.db, sql`SELECT ${arrayLiteral(values)}::text[] AS back`);
    return row!.back;
  };

  it("gives back every text exactly: quotes, backslashes, commas, braces, a text that says NULL, and real nulls", async () => {
    const texts = ['say "hi"', "back\\slash", "a,b", "{x}", "NULL", "null", "", " spaced ", "热咖啡", null];
    expect(await roundTrip(texts)).toEqual(texts);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.string({ unit: "grapheme" }).filter((t) => !t.includes("\u0000"))), { maxLength: 20 }),
        async (values) => {
          expect(await roundTrip(values)).toEqual(values);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("gives back numbers, including the largest safe integer, and nulls among them", async () => {
    const literal = arrayLiteral([0, -1, Number.MAX_SAFE_INTEGER, null]);
    const [row] = await queryRows<{ back: string[] }>(database.handle.db, sql`SELECT ${literal}::bigint[]::text[] AS back`);
    expect(row!.back).toEqual(["0", "-1", String(Number.MAX_SAFE_INTEGER), null]);
  });

  it("refuses what is not text, a finite number or null, instead of sending it as a text", () => {
    for (const bad of [undefined, Number.NaN, Number.POSITIVE_INFINITY, {}])
      expect(() => arrayLiteral(["ok", bad as unknown as string])).toThrow(TypeError);
  });
});
