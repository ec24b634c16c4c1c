/**
 * Configuration from the environment, validated once at start. Every bad value is reported with
 * what was expected, all at once, so an operator fixes them in one go.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { NAMED_STATEMENTS_LIMIT, NAMED_STATEMENTS_MAX } from "./db/named-statements.js";

/**
 * Upload batches one API process ingests at once. Two on two cores: three let ingest alone run
 * further ahead (each ingest waits on the database part of its time, and a third keeps a core busy
 * meanwhile), but in the fleet burst the slowest upload request then reached 16.1 s in one run of
 * three, past the terminal's 15 s timeout (docs/performance.md, eighth pass of issue 21).
 */
export const INGEST_CONCURRENCY_DEFAULT = 2;

/**
 * Settlement jobs one worker process holds at once. Their chunks are settled together, at most
 * two transactions at a time (`jobs/settle-together.ts`): eight held give a landing wave's
 * 300-record uploads room to share a transaction three at a time (docs/performance.md, twelfth pass).
 */
export const SETTLEMENT_CONCURRENCY_DEFAULT = 8;

export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL connection string; undefined means the embedded PGlite database in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string;
  /** Where PGlite's files and the ground's signing keys live. */
  readonly dataDir: string;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Largest HTTP body accepted, in bytes (a 500-record upload batch fits with room). */
  readonly bodyBytesMax: number;
  /** How long shutdown waits for in-flight requests and jobs before it closes connections anyway. */
  readonly shutdownGraceMs: number;
  /** BullMQ key prefix, one per deployment sharing a Redis. */
  readonly queuePrefix: string;
  /** Settlement jobs held at once per worker process; their chunks settle together. */
  readonly settlementConcurrency: number;
  /** How long a worker's job lock lasts: a job whose worker died is taken over after about this. */
  readonly workerLockMs: number;
  /** Batch uploads ingested at once by one API process; more wait in line (see `runtime/admission.ts`). */
  readonly ingestConcurrency: number;
  /** Uploads that may hold their body waiting their turn per API process. */
  readonly ingestQueueMax: number;
  /** Uploads that may wait before their body is read; beyond, the terminal is told to come back (503 `busy`). */
  readonly ingestLineMax: number;
  /** Nor may one wait longer than this (estimated): inside the terminal's 15 s request timeout. */
  readonly ingestQueueWaitMsMax: number;
  /**
   * Statements each PostgreSQL connection names, so that PostgreSQL parses and plans them once; 0
   * for none, behind a pooling proxy that cannot hold them (`db/named-statements.ts`).
   */
  readonly namedStatementsMax: number;
  /** Log-ins and sign-ups a client address may try per minute (password guessing). */
  readonly loginAttemptsPerMinute: number;
  /** Registrations a client address may make per minute. */
  readonly registrationsPerMinute: number;
  /** The built web pages (`npm run build`), served under /app/. */
  readonly webDir: string;
  /**
   * Which proxies' X-Forwarded-* headers to believe (Fastify's `trustProxy`): false (none, the
   * default), true (any: only when nothing but the proxy can reach the service), or the proxies'
   * addresses and ranges. Behind a TLS proxy it makes
   * session cookies `Secure` and rate limits count the real client addresses (docs/ground.md).
   */
  readonly trustProxy: boolean | string[];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name}: expected a ${protocols.map((p) => `${p}//`).join(" or ")} URL, got ${parsed.protocol}//…`);
      }
    } catch {
      problems.push(`${name}: not a URL (expected e.g. ${protocols[0]}//host:port/…)`);
    }
    return raw;
  };

  const logLevel = env["LOG_LEVEL"] ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    problems.push(`LOG_LEVEL=${JSON.stringify(logLevel)}: expected one of ${LOG_LEVELS.join(", ")}`);
  const host = env["HOST"] || "127.0.0.1";
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) problems.push(`HOST=${JSON.stringify(host)}: expected a host name or IP address`);

  const config: Config = {
    port: integer("PORT", 3000, 0, 65_535),
    host,
    databaseUrl: url("DATABASE_URL", ["postgres:", "postgresql:"]),
    redisUrl: url("REDIS_URL", ["redis:", "rediss:"]) ?? "redis://127.0.0.1:6379",
    dataDir: resolve(env["DATA_DIR"] || ".cabinpay/ground"),
    logLevel: logLevel as Config["logLevel"],
    bodyBytesMax: integer("BODY_BYTES_MAX", 4 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    shutdownGraceMs: integer("SHUTDOWN_GRACE_MS", 10_000, 0, 300_000),
    queuePrefix: env["QUEUE_PREFIX"] || "cabinpay",
    settlementConcurrency: integer("SETTLEMENT_CONCURRENCY", SETTLEMENT_CONCURRENCY_DEFAULT, 1, 64),
    workerLockMs: integer("WORKER_LOCK_MS", 30_000, 1_000, 600_000),
    ingestConcurrency: integer("INGEST_CONCURRENCY", INGEST_CONCURRENCY_DEFAULT, 1, 64),
    ingestQueueMax: integer("INGEST_QUEUE_MAX", 32, 0, 10_000),
    ingestLineMax: integer("INGEST_LINE_MAX", 512, 0, 10_000),
    ingestQueueWaitMsMax: integer("INGEST_QUEUE_WAIT_MAX_MS", 8_000, 0, 60_000),
    namedStatementsMax: integer("PG_NAMED_STATEMENTS_MAX", NAMED_STATEMENTS_MAX, 0, NAMED_STATEMENTS_LIMIT),
    loginAttemptsPerMinute: integer("LOGIN_ATTEMPTS_PER_MINUTE", 10, 1, 100_000),
    registrationsPerMinute: integer("REGISTRATIONS_PER_MINUTE", 30, 1, 100_000),
    webDir: resolve(env["WEB_DIR"] || fileURLToPath(new URL("../dist/web", import.meta.url))),
    trustProxy: trustProxyOf(env["TRUST_PROXY"], problems),
  };
  if (!/^[A-Za-z0-9_{}-]{1,64}$/.test(config.queuePrefix))
    problems.push(`QUEUE_PREFIX=${JSON.stringify(config.queuePrefix)}: expected 1 to 64 of A-Z a-z 0-9 _ - { }`);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** TRUST_PROXY: unset or `false`, `true`, or proxy addresses and CIDR ranges separated by commas. */
function trustProxyOf(raw: string | undefined, problems: string[]): Config["trustProxy"] {
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  const addresses = raw.split(",").map((part) => part.trim());
  if (addresses.every((address) => /^[0-9A-Fa-f.:]{2,45}(\/\d{1,3})?$/.test(address))) return addresses;
  problems.push(`TRUST_PROXY=${JSON.stringify(raw)}: expected false, true, or proxy addresses (10.0.0.1,10.1.0.0/16)`);
  return false;
}
