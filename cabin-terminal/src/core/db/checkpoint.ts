/**
 * WAL checkpoints between sales, not inside them (core process). SQLite copies the WAL into the
 * database when a commit finds it over 1,000 pages, and that commit waits for it: about 2 ms, a
 * sale in every ~170 (six pages each), the largest share of a sale's p99. So every
 * `COMMITS_PER_CHECKPOINT` sales the terminal checkpoints on the event loop's next turn: after
 * the sale's answer, before the next scan. SQLite's own checkpoint stays the net for a run of
 * sales that never yields.
 */
import type Database from "better-sqlite3";

/** About 600 pages of WAL: under SQLite's 1,000, so its own checkpoint does not come first. */
export const COMMITS_PER_CHECKPOINT = 100;

const commitsSince = new WeakMap<Database.Database, number>();

export function checkpointSoon(sqlite: Database.Database): void {
  const commits = (commitsSince.get(sqlite) ?? 0) + 1;
  commitsSince.set(sqlite, commits % COMMITS_PER_CHECKPOINT);
  if (commits < COMMITS_PER_CHECKPOINT) return;
  setImmediate(() => {
    if (!sqlite.open) return;
    try {
      // PASSIVE: never waits for a reader; what it could not copy, the next one will.
      sqlite.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // Nothing is lost: the WAL stays, SQLite's own checkpoint tries again at a commit, and a disk
      // that fails there fails that sale with its error, where crew see it. Thrown here, on the
      // event loop, it would end the core process instead.
    }
  });
}
