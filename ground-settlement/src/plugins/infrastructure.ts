/** Infrastructure as one plugin: configuration, database, Redis, signing keys and the clock. */

import fp from "fastify-plugin";
import type { Redis } from "ioredis";
import type { Config } from "../config.js";
import type { Database, DatabaseHandle } from "../db/client.js";
import type { KeyStore } from "../keys/key-store.js";
import type { SettlementJobs } from "../services/outbox.js";

export interface Infrastructure {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly redis: Redis;
  readonly keys: KeyStore;
  /** This database's identity: every job carries it, and a worker takes only its own. */
  readonly deploymentId: string;
  /** Enqueue-only: the API puts settlement jobs here after an upload commits. */
  readonly settlementJobs: SettlementJobs;
  /** The clock, injectable so tests can move time (registration cut-offs, expiries). */
  readonly now: () => number;
  /** scrypt cost of new password hashes (2^N); lowered only by tests that make many accounts. */
  readonly passwordCostLog2N: number;
}

declare module "fastify" {
  interface FastifyInstance {
    readonly infra: Infrastructure;
    readonly db: Database;
  }
}

export const infrastructurePlugin = fp<{ infra: Infrastructure }>(
  async (app, { infra }) => {
    app.decorate("infra", infra);
    app.decorate("db", infra.database.db);
  },
  { name: "infrastructure" },
);
