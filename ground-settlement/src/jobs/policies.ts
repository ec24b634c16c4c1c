/**
 * Every job's retry and keep policy, and how often the schedulers run, named in one place (as the
 * protocol's limits are in shared's LIMITS). Jobs are idempotent, so a retry is always safe; the
 * numbers say how long a condition may last before a person is needed.
 */
import type { JobsOptions } from "bullmq";

export const JOB_POLICIES = {
  /** A chunk waits for its sale's chunk or a dropped connection: 10 tries over about 4 minutes. */
  settle: { attempts: 10, backoff: { type: "exponential", delay: 500 }, removeOnComplete: 1_000, removeOnFail: 5_000 },
  /** A close waits for the flight's settlements: every 3 s for 10 minutes. */
  close: { attempts: 200, backoff: { type: "fixed", delay: 3_000 }, removeOnComplete: true, removeOnFail: 1_000 },
  /** A scheduled sweep runs again at its next tick anyway. */
  scheduled: { attempts: 3, backoff: { type: "exponential", delay: 1_000 }, removeOnComplete: 100, removeOnFail: 1_000 },
  /** Expiring holds, releasing closed flights' holds, purging nonces. */
  maintenance: { attempts: 5, backoff: { type: "exponential", delay: 1_000 }, removeOnComplete: 100, removeOnFail: 1_000 },
} as const satisfies Record<string, JobsOptions>;

/** The outbox sweeper: catches up what an upload could not enqueue. */
export const SWEEP_EVERY_MS = 5_000;
/** Flights that may close (all terminals closed, or the deadline passed) are looked for this often. */
export const CLOSE_CHECK_EVERY_MS = 60_000;
export const MAINTENANCE_EVERY_MS = 60_000;
