/**
 * Opens the terminal's SQLite database (core process): WAL, synchronous=FULL (a sale that was
 * approved is on disk before the crew sees "approved"), foreign keys on, an integrity check, then
 * the migrations. A damaged file is a clear TerminalError, never a crash.
 */
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { TerminalError } from "../errors.js";
import * as schema from "./schema.js";

export type TerminalDb = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const TERMINAL_MIGRATIONS = fileURLToPath(new URL("../../../../migrations/terminal", import.meta.url));

export interface OpenedDatabase {
  readonly db: TerminalDb;
  readonly sqlite: Database.Database;
  close(): void;
}

export function openTerminalDatabase(path: string, options: { migrationsFolder?: string } = {}): OpenedDatabase {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path);
  } catch (error) {
    throw new TerminalError("database_unavailable", `cannot open the terminal database at ${path}: ${(error as Error).message}`);
  }
  try {
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = FULL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    const [check] = sqlite.pragma("quick_check") as { quick_check: string }[];
    if (check?.quick_check !== "ok") throw new Error(check?.quick_check ?? "no answer");
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: options.migrationsFolder ?? TERMINAL_MIGRATIONS });
    return { db, sqlite, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    if (error instanceof TerminalError) throw error;
    throw new TerminalError(
      "database_damaged",
      `the terminal database at ${path} is damaged (${(error as Error).message}). Do not sell: upload what can be read, then re-enrol the terminal with a new database.`,
    );
  }
}
