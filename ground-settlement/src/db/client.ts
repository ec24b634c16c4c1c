/**
 * Opens the ground database: PostgreSQL through `pg` when a URL is given, otherwise an embedded
 * PGlite database in the data folder. Same schema, same drizzle queries, same migrations.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { arrayParam } from "./arrays.js";
import { nameStatements } from "./named-statements.js";
import { lockPgliteFolder } from "./pglite-lock.js";
import * as schema from "./schema/index.js";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A database or a transaction on it: repository functions accept either. */
export type Executor = Parameters<Parameters<Database["transaction"]>[0]>[0] | Database;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../../migrations/ground", import.meta.url));

export interface DatabaseHandle {
  readonly db: Database;
  readonly engine: "postgres" | "pglite";
  /** Applies the migrations in `folder` (the project's by default) not yet applied. */
  migrate(folder?: string): Promise<void>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; undefined for PGlite. */
  readonly databaseUrl: string | undefined;
  /** PGlite's folder ("memory://" keeps it in memory, for tests). */
  readonly pgliteDir: string;
  /** Connections per process; every request and job holds one only for its transaction. */
  readonly poolSizeMax: number;
  /** A statement running longer is cancelled: no request holds locks forever. */
  readonly statementTimeoutMs: number;
  /** PostgreSQL: statements each connection names, parsed and planned once (`named-statements.ts`); 0 for none. */
  readonly namedStatementsMax?: number;
  /** PostgreSQL: a connection is closed once this old and its work is done (see `CONNECTION_LIFETIME_MS`). */
  readonly connectionLifetimeMs?: number;
}

/**
 * How long one PostgreSQL connection serves, at most. A connection keeps its named statements'
 * plans for its life, and PostgreSQL plans again only when a table's statistics change. Where
 * nothing analyses the tables (autovacuum off, as on our CI machines), a plan made while a table
 * was tiny stays: the settlement's read of transfers by id, named when the ledger held 300
 * transfers, went on reading every transfer as the ledger grew, 10 ms a call on average
 * (docs/performance.md, eleventh pass).
 * A new connection plans for the tables as they are; opening one costs a few milliseconds a minute.
 */
export const CONNECTION_LIFETIME_MS = 60_000;

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl !== undefined) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSizeMax,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs,
      application_name: "cabinpay-ground",
      maxLifetimeSeconds: (options.connectionLifetimeMs ?? CONNECTION_LIFETIME_MS) / 1_000,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on("error", () => {});
    pool.on("connect", (client) => {
      // Nor a client a request holds (mid-transaction, between two queries): pg emits its error on
      // the client, where nobody listens. Its next query fails instead (a 5xx, which terminals and
      // jobs retry), and the pool discards the client when it comes back.
      client.on("error", () => {});
      // Each connection parses and plans a statement it runs again and again once.
      nameStatements(client, options.namedStatementsMax);
    });
    const db = drizzlePg(pool, { schema }) as unknown as Database;
    return {
      db,
      engine: "postgres",
      migrate: (folder = MIGRATIONS_FOLDER) => migratePg(drizzlePg(pool), { migrationsFolder: folder }),
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: () => pool.end(),
    };
  }
  const inMemory = options.pgliteDir.startsWith("memory://");
  if (!inMemory) mkdirSync(options.pgliteDir, { recursive: true });
  const lock = inMemory ? undefined : lockPgliteFolder(options.pgliteDir);
  const client = new PGlite(options.pgliteDir);
  try {
    await client.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    engine: "pglite",
    migrate: (folder = MIGRATIONS_FOLDER) => migratePglite(drizzlePglite(client), { migrationsFolder: folder }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

export function pgliteDirIn(dataDir: string): string {
  return join(dataDir, "pglite");
}

/** Rows of a raw SQL query; both drivers answer with `{ rows }`. */
export async function queryRows<Row>(db: Executor, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}

/**
 * `column = ANY($1::uuid[])`: one parameter however many ids. drizzle's `inArray` binds one
 * parameter per id, which PostgreSQL parses and plans slowly for the thousands a settlement chunk
 * touches (halved settlement's rate when the ledger engine began to read its transfers back).
 */
export function anyUuid(column: AnyColumn, ids: readonly string[]): SQL {
  return sql`${column} = ANY(${arrayParam(ids)}::uuid[])`;
}
