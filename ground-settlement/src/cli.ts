#!/usr/bin/env node
/**
 * cabinpay-ground: the ground service's command line.
 *
 *   start [--demo]             API and workers in one process (what `npm start` runs); --demo seeds
                             a demo airline and prints how to try a sale
 *   serve                      the API only
 *   worker                     the workers only
 *   migrate                    apply database migrations and exit
 *   api-key create --role ops|finance --name NAME
 *   staff create --role ops|finance --email ADDRESS --name NAME   (a person, for the web pages)
 *   issuer-key rotate | issuer-key list | issuer-key revoke KEY_ID
 *
 * Configuration comes from the environment: PORT, HOST, DATABASE_URL, REDIS_URL, DATA_DIR,
 * LOG_LEVEL, QUEUE_PREFIX, BODY_BYTES_MAX, SHUTDOWN_GRACE_MS.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase, pgliteDirIn } from "./db/client.js";
import { STAFF_ROLES, type StaffRole } from "./db/schema/identity.js";
import { demoGuide } from "./demo/guide.js";
import { seedDemo } from "./demo/seed.js";
import { fileKeyStore } from "./keys/key-store.js";
import { redact } from "./runtime/bootstrap.js";
import { run, stopOnSignals } from "./runtime/processes.js";
import { createApiKey } from "./services/api-keys.js";
import { listIssuerKeys, revokeIssuerKey, rotateIssuerKey } from "./services/issuer-keys.js";
import { createStaffUser } from "./services/staff.js";

const USAGE = `usage: cabinpay-ground <command>
  start [--demo]                        API and workers in one process (--demo: with a demo airline)
  serve                                 API only
  worker                                workers only
  migrate                               apply database migrations
  api-key create --role ops|finance --name NAME
  staff create --role ops|finance --email ADDRESS --name NAME
  issuer-key rotate | issuer-key list | issuer-key revoke KEY_ID`;

async function main(argv: string[]): Promise<number> {
  const config = loadConfig(process.env);
  const [command, sub] = argv;
  switch (command) {
    case "start":
    case "serve":
    case "worker": {
      const { values } = parseArgs({ args: argv.slice(1), options: { demo: { type: "boolean" } } });
      const running = await run(config, { api: command !== "worker", worker: command !== "serve" });
      if (running.url !== undefined) console.log(`CabinPay ground service on ${running.url} (API docs: ${running.url}/docs)`);
      if (values.demo === true) {
        const demo = await seedDemo(running.infra.database.db, running.infra.keys, { nowMs: running.infra.now(), dataDir: config.dataDir });
        console.log(demoGuide(demo, running.url ?? `http://127.0.0.1:${config.port}`));
      }
      stopOnSignals(running);
      return -1; // keep running
    }
    case "migrate":
      return withDatabase(config, async (database) => {
        await database.migrate();
        console.log(
          `migrations applied (${database.engine === "pglite" ? pgliteDirIn(config.dataDir) : redact(config.databaseUrl ?? "")})`,
        );
      });
    case "api-key": {
      if (sub !== "create") break;
      const { values } = parseArgs({ args: argv.slice(2), options: { role: { type: "string" }, name: { type: "string" } } });
      const role = values.role as StaffRole;
      if (!STAFF_ROLES.includes(role) || !values.name) {
        console.error("api-key create needs --role ops|finance and --name NAME");
        return 2;
      }
      return withDatabase(config, async (database) => {
        await database.migrate();
        const { id, key } = await createApiKey(database.db, { name: values.name!, role, nowMs: Date.now() });
        console.log(`API key ${id} (${role}, ${values.name}):\n${key}\nKeep it secret: it is shown once and cannot be recovered.`);
      });
    }
    case "staff": {
      if (sub !== "create") break;
      const { values } = parseArgs({
        args: argv.slice(2),
        options: { role: { type: "string" }, email: { type: "string" }, name: { type: "string" } },
      });
      const role = values.role as StaffRole;
      if (!STAFF_ROLES.includes(role) || !values.email || !values.name) {
        console.error("staff create needs --role ops|finance, --email ADDRESS and --name NAME");
        return 2;
      }
      // A generated password, shown once: nobody picks a weak one, and it never sits in shell history.
      const password = randomBytes(15).toString("base64url");
      return withDatabase(config, async (database) => {
        await database.migrate();
        await createStaffUser(database.db, {
          email: values.email!,
          displayName: values.name!,
          role,
          password,
          nowMs: Date.now(),
          costLog2N: 15,
        });
        console.log(`staff account ${values.email} (${role}) created. Password, shown once:\n${password}\nLog in at /app/${role}.`);
      });
    }
    case "issuer-key":
      if (sub !== "rotate" && sub !== "list" && !(sub === "revoke" && argv[2] !== undefined)) break;
      return withDatabase(config, async (database) => {
        await database.migrate();
        const keys = fileKeyStore(`${config.dataDir}/keys`);
        if (sub === "rotate") console.log(`new active issuer key ${await rotateIssuerKey(database.db, keys, Date.now())}`);
        if (sub === "revoke") {
          const revoked = await revokeIssuerKey(database.db, keys, { keyId: argv[2]!, actor: "cli", nowMs: Date.now() });
          console.log(
            `issuer key ${revoked.keyId} revoked: no terminal trusts it from its next manifest, the ground refuses vouchers under it; ` +
              `${revoked.reissued} open registrations now carry a voucher under ${revoked.activeKeyId}`,
          );
        }
        for (const key of await listIssuerKeys(database.db))
          console.log(`${key.keyId}  ${key.status}  created ${new Date(key.createdAtMs).toISOString()}`);
      });
  }
  console.error(USAGE);
  return 2;
}

async function withDatabase(
  config: ReturnType<typeof loadConfig>,
  work: (database: Awaited<ReturnType<typeof openDatabase>>) => Promise<void>,
): Promise<number> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: pgliteDirIn(config.dataDir),
    poolSizeMax: 2,
    statementTimeoutMs: 60_000,
  });
  try {
    await work(database);
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `cabinpay-ground: ${(error as Error).message}`);
    process.exit(1);
  },
);
