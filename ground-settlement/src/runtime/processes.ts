/**
 * The long-running processes: the API server, the worker, or both in one process, each stopping
 * gracefully on SIGTERM/SIGINT: stop taking work, let in-flight requests and jobs finish (up to
 * the grace period), then close connections.
 */
import { libsodiumPath } from "@cabinpay/shared/node";
import type { FastifyBaseLogger } from "fastify";
import pino from "pino";
import { buildApp } from "../app.js";
import type { Config } from "../config.js";
import { startMaintenance } from "../jobs/maintenance.js";
import { startSettlement } from "../jobs/settlement.js";
import type { Infrastructure } from "../plugins/infrastructure.js";
import { openInfrastructure, redact } from "./bootstrap.js";

export interface Running {
  /** The API's address when it serves. */
  readonly url: string | undefined;
  /** The database, the key store and the clock this process runs on. */
  readonly infra: Infrastructure;
  stop(): Promise<void>;
}

export async function run(config: Config, roles: { api: boolean; worker: boolean }): Promise<Running> {
  const logger: FastifyBaseLogger = pino({ level: config.logLevel, name: "cabinpay-ground" });
  const infra = await openInfrastructure(config, { migrate: true });
  logger.info(
    {
      database: infra.database.engine === "pglite" ? `embedded PGlite in ${config.dataDir}` : redact(config.databaseUrl ?? ""),
      redis: redact(config.redisUrl),
    },
    "infrastructure ready",
  );
  // Ed25519 through libsodium, or node:crypto where its binary cannot load: the same answers, 1.7× slower.
  if (libsodiumPath() !== undefined) logger.info({ verifier: "libsodium" }, "signatures verified with libsodium");
  else
    logger.warn(
      { verifier: "node:crypto" },
      "libsodium could not be loaded: signatures are verified with node:crypto, about 1.7 times slower",
    );
  const stops: (() => Promise<void>)[] = [];
  let url: string | undefined;
  if (roles.worker) {
    const maintenance = await startMaintenance({
      db: infra.database.db,
      redisUrl: config.redisUrl,
      prefix: infra.config.queuePrefix,
      deploymentId: infra.deploymentId,
      now: infra.now,
      logger,
    });
    stops.push(() => maintenance.close());
    const settlement = await startSettlement({
      db: infra.database.db,
      redisUrl: config.redisUrl,
      prefix: infra.config.queuePrefix,
      deploymentId: infra.deploymentId,
      now: infra.now,
      logger,
      concurrency: config.settlementConcurrency,
      lockDurationMs: config.workerLockMs,
    });
    stops.push(() => settlement.close());
    logger.info({ queues: ["maintenance", "settlement"], concurrency: config.settlementConcurrency }, "worker started");
  }
  if (roles.api) {
    const app = await buildApp(infra);
    url = await app.listen({ port: config.port, host: config.host });
    // Close the server first: no new requests while workers and connections wind down.
    stops.unshift(() => app.close());
  }
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const timer = setTimeout(() => {
        logger.error({ graceMs: config.shutdownGraceMs }, "shutdown grace period over: exiting with work unfinished");
        process.exit(1);
      }, config.shutdownGraceMs);
      timer.unref();
      for (const step of stops) await step();
      await infra.close();
      clearTimeout(timer);
      logger.info("stopped");
    })();
    return stopping;
  };
  return { url, infra, stop };
}

/** Wires SIGTERM/SIGINT to a graceful stop, then exits. */
export function stopOnSignals(running: Running): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      void running.stop().then(() => process.exit(0));
    });
  }
}
