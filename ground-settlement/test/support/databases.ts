/**
 * A fresh, migrated database for one test file, on either engine: a new database on the
 * PostgreSQL server (dropped afterwards), or an in-memory PGlite.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/client.js";

export const ENGINES = ["postgres", "pglite"] as const;
export type Engine = (typeof ENGINES)[number];

export interface TestDatabase {
  readonly handle: DatabaseHandle;
  /** The PostgreSQL URL of this database, when the engine is postgres. */
  readonly url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(engine: Engine, options: { migrate: boolean } = { migrate: true }): Promise<TestDatabase> {
  if (engine === "pglite") {
    const handle = await openDatabase({ databaseUrl: undefined, pgliteDir: "memory://", poolSizeMax: 1, statementTimeoutMs: 30_000 });
    if (options.migrate) await handle.migrate();
    return { handle, url: undefined, drop: () => handle.close() };
  }
  const serverUrl = inject("postgresUrl");
  const name = `cabinpay_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), pgliteDir: "", poolSizeMax: 10, statementTimeoutMs: 30_000 });
  if (options.migrate) await handle.migrate();
  return {
    handle,
    url: url.toString(),
    drop: async () => {
      await handle.close();
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
