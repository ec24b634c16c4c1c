/** Named statements on PostgreSQL: parsed and planned once per connection, bounded, and never in the way of an answer. */
import { eq, sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrayLiteral, arrayParam } from "../src/db/arrays.js";
import { CONNECTION_LIFETIME_MS, type Executor, openDatabase, queryRows } from "../src/db/client.js";
import { NAMED_STATEMENTS_LIMIT, NAMED_STATEMENTS_MAX, nameStatements } from "../src/db/named-statements.js";
import { flights } from "../src/db/schema/flights.js";
import { createTestDatabase, type TestDatabase } from "./support/databases.js";

let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase("postgres");
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  nameStatements(client);
}, 60_000);

afterAll(async () => {
  await client?.end();
  await database?.drop();
});

/** The texts of the statements this client's connection holds prepared. */
async function prepared(): Promise<string[]> {
  // As a plain text, on the simple protocol: never named itself.
  const { rows } = await client.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements ORDER BY statement");
  return rows.map((row) => row.statement);
}

describe("a connection that names its statements", () => {
  it("names a text the second time it is sent, and answers it alike every time", async () => {
    const text = "SELECT $1::int + 1 AS answer";
    expect((await client.query({ text, values: [1] })).rows).toEqual([{ answer: 2 }]);
    expect(await prepared()).not.toContain(text);
    expect((await client.query({ text, values: [2] })).rows).toEqual([{ answer: 3 }]);
    expect((await client.query({ text, values: [3] })).rows).toEqual([{ answer: 4 }]);
    expect((await prepared()).filter((statement) => statement === text)).toHaveLength(1);
  });

  it("never names a text sent once, a plain text, or a statement that names itself", async () => {
    await client.query({ text: "SELECT $1::int AS once", values: [1] });
    await client.query("SELECT 2 AS plain");
    await client.query("SELECT 2 AS plain");
    await client.query({ name: "callers_own", text: "SELECT $1::int AS own", values: [1] });
    await client.query({ name: "callers_own", text: "SELECT $1::int AS own", values: [2] });
    const held = await prepared();
    expect(held).not.toContain("SELECT $1::int AS once");
    expect(held).not.toContain("SELECT 2 AS plain");
    expect(held.filter((statement) => statement === "SELECT $1::int AS own")).toHaveLength(1);
  });

  it("keeps working after a statement it named fails, at parse time or at run time", async () => {
    const broken = { text: "SELEC $1::int" };
    for (let i = 0; i < 3; i++) await expect(client.query({ ...broken, values: [1] })).rejects.toThrow(/syntax error/);
    const failing = "SELECT 1 / $1::int AS quotient";
    await client.query({ text: failing, values: [1] });
    await client.query({ text: failing, values: [1] });
    await expect(client.query({ text: failing, values: [0] })).rejects.toThrow(/division by zero/);
    expect((await client.query({ text: failing, values: [1] })).rows).toEqual([{ quotient: 1 }]);
  });

  it(`names at most ${NAMED_STATEMENTS_MAX} texts by default; the rest still run, unnamed`, async () => {
    const held = (await prepared()).length;
    const texts = Array.from({ length: NAMED_STATEMENTS_MAX + 20 }, (_, i) => `SELECT $1::int + ${i} AS bounded`);
    for (const [i, text] of texts.entries()) {
      await client.query({ text, values: [0] });
      expect((await client.query({ text, values: [1] })).rows).toEqual([{ bounded: 1 + i }]);
    }
    const after = await prepared();
    expect(after.length).toBeLessThanOrEqual(NAMED_STATEMENTS_MAX + 1); // and the caller's own
    expect(after.length).toBeGreaterThan(held);
    expect(after).not.toContain(texts.at(-1));
  });
});

describe("the bound a deployment sets", () => {
  /** A connection of its own that names at most `namedMax`, and what it holds prepared after `texts` were each sent twice. */
  async function heldAfter(namedMax: number, texts: readonly string[]): Promise<string[]> {
    const own = new pg.Client({ connectionString: database.url });
    await own.connect();
    try {
      nameStatements(own, namedMax);
      for (const text of texts) for (let i = 0; i < 2; i++) await own.query({ text, values: [i] });
      const { rows } = await own.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements");
      return rows.map((row) => row.statement);
    } finally {
      await own.end();
    }
  }
  const texts = ["SELECT $1::int AS a", "SELECT $1::int AS b", "SELECT $1::int AS c"];

  it("names no more than it says, the first texts sent twice", async () => {
    expect((await heldAfter(2, texts)).sort()).toEqual(texts.slice(0, 2));
  });

  it("names none at 0, for a pooling proxy that cannot hold them", async () => {
    expect(await heldAfter(0, texts)).toEqual([]);
  });

  it(`refuses a bound outside 0 to ${NAMED_STATEMENTS_LIMIT}`, () => {
    for (const bad of [-1, 1.5, NAMED_STATEMENTS_LIMIT + 1]) expect(() => nameStatements(client, bad)).toThrow(RangeError);
  });
});

describe("the ground's database on PostgreSQL", () => {
  it("holds the drizzle statements a transaction repeats prepared on its connection", async () => {
    const { db } = database.handle;
    const statements = await db.transaction(async (tx) => {
      for (let i = 0; i < 3; i++) await tx.select({ id: flights.id }).from(flights).where(eq(flights.currency, "CNY"));
      return queryRows<{ statement: string }>(tx, sql`SELECT statement FROM pg_prepared_statements`);
    });
    expect(statements.some(({ statement }) => statement.includes('from "flights"'))).toBe(true);
  });
});

describe("a connection's life", () => {
  // As wide as the ledger's transfers, whose read by id this happened to (docs/performance.md, eleventh pass).
  const columns =
    "id uuid PRIMARY KEY, kind text, debit uuid, credit uuid, amount bigint, currency text, pending uuid, expires bigint, code text, ref text, at bigint";

  /** Runs the probe enough times to be named and planned generically, then says which backend ran it, and how. */
  async function probe(db: Executor, table: string): Promise<{ pid: number; scan: string }> {
    const ids = (await queryRows<{ id: string }>(db, sql.raw(`SELECT id FROM ${table} ORDER BY id LIMIT 10`))).map((row) => row.id);
    const text = sql`SELECT * FROM ${sql.raw(table)} WHERE id = ANY(${arrayParam(ids)}::uuid[])`;
    for (let i = 0; i < 8; i++) expect(await queryRows(db, text)).toHaveLength(ids.length);
    const [named] = await queryRows<{ name: string; pid: number }>(
      db,
      sql`SELECT name, pg_backend_pid() AS pid FROM pg_prepared_statements WHERE statement LIKE ${`SELECT * FROM ${table} WHERE%`}`,
    );
    const [plan] = await queryRows<{ "QUERY PLAN": [{ Plan: { "Node Type": string } }] }>(
      db,
      sql.raw(`EXPLAIN (FORMAT JSON) EXECUTE ${named!.name}('${arrayLiteral(ids)}')`),
    );
    return { pid: named!.pid, scan: plan!["QUERY PLAN"][0].Plan["Node Type"] };
  }

  async function tinyTable(db: Executor, table: string): Promise<void> {
    await queryRows(db, sql.raw(`CREATE TABLE ${table} (${columns})`));
    await queryRows(db, sql.raw(`INSERT INTO ${table} (id) SELECT gen_random_uuid() FROM generate_series(1, 20)`));
  }
  const grow = (db: Executor, table: string) =>
    queryRows(db, sql.raw(`INSERT INTO ${table} (id) SELECT gen_random_uuid() FROM generate_series(1, 50000)`));
  const open = (lifetime: { connectionLifetimeMs?: number } = {}) =>
    openDatabase({ databaseUrl: database.url, pgliteDir: "", poolSizeMax: 1, statementTimeoutMs: 10_000, ...lifetime });

  it("keeps the plan it made while a table was tiny as the table grows, where nothing analyses it (why connections retire)", async () => {
    const handle = await open();
    try {
      await tinyTable(handle.db, "plan_probe_kept");
      const tiny = await probe(handle.db, "plan_probe_kept");
      expect(tiny.scan).toBe("Seq Scan");
      await grow(handle.db, "plan_probe_kept");
      expect(await probe(handle.db, "plan_probe_kept")).toEqual(tiny);
    } finally {
      await handle.close();
    }
  });

  it("closes a connection once it has served CONNECTION_LIFETIME_MS: the next one plans for the table as it is", async () => {
    expect(CONNECTION_LIFETIME_MS).toBeGreaterThan(0);
    const handle = await open({ connectionLifetimeMs: 1_000 });
    try {
      await tinyTable(handle.db, "plan_probe_renewed");
      const tiny = await probe(handle.db, "plan_probe_renewed");
      expect(tiny.scan).toBe("Seq Scan");
      await grow(handle.db, "plan_probe_renewed");
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const grown = await probe(handle.db, "plan_probe_renewed");
      expect(grown.pid).not.toBe(tiny.pid);
      expect(grown.scan).not.toBe("Seq Scan");
    } finally {
      await handle.close();
    }
  });
});
