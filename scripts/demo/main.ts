/**
 * `npm run demo`: the whole of CabinPay on one machine, on embedded defaults. Starts the ground
 * API and workers (PGlite in the demo folder; Redis from REDIS_URL, else 127.0.0.1:6379, else a
 * private redis-server), seeds a demo airline with a two-leg rotation, enrols a terminal (the
 * browser host) on trolley A for both legs and loads them, and prints what to open. Then, typed and
 * Enter: `s` a sample sale, `l` land the current leg (close, upload, settle, open the next leg),
 * `q` quit. Ctrl-C stops everything cleanly. Every run starts from fresh data.
 *
 *   npm run demo [-- --ground-port 3000 --terminal-port 4310 --dir .cabinpay/demo]
 */
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { startTerminalHost, type TerminalHost } from "@cabinpay/cabin-terminal/internal/host/terminal-host";
import { ConfigError, loadConfig } from "@cabinpay/ground-settlement/internal/config";
import { demoGuide } from "@cabinpay/ground-settlement/internal/demo/guide";
import { seedDemo } from "@cabinpay/ground-settlement/internal/demo/seed";
import { resetQueues } from "@cabinpay/ground-settlement/internal/jobs/reset";
import { findLocalRedis, type LocalRedis, RedisUnavailableError } from "@cabinpay/ground-settlement/internal/runtime/local-redis";
import { type Running, run } from "@cabinpay/ground-settlement/internal/runtime/processes";
import { land, sampleSale } from "./aisle.js";

const DEMO_QUEUE_PREFIX = "cabinpay-demo";
const TROLLEY = "A";

const say = (line: string) => process.stdout.write(`${line}\n`);

function portOption(value: string | undefined, fallback: number, name: string): number {
  const port = Number(value ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError([`--${name} must be a port number (0 to 65535)`]);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { "ground-port": { type: "string" }, "terminal-port": { type: "string" }, dir: { type: "string" } },
    strict: true,
  });
  const groundPort = portOption(values["ground-port"], 3000, "ground-port");
  const terminalPort = portOption(values["terminal-port"], 4310, "terminal-port");
  const dir = resolve(values.dir ?? ".cabinpay/demo");
  // Only the demo's own folders are replaced: a --dir given by mistake loses nothing else.
  for (const part of ["ground", "terminal", "redis"]) rmSync(join(dir, part), { recursive: true, force: true });
  say(`CabinPay demo: fresh data in ${dir}`);

  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say("Stopping…");
    for (const step of stops.reverse()) await step().catch((error: unknown) => say(`  while stopping: ${(error as Error).message}`));
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stop(0));

  try {
    const redis: LocalRedis = await findLocalRedis({ redisUrl: process.env["REDIS_URL"], privateDir: join(dir, "redis") });
    stops.push(() => redis.stop());
    say(`Redis: ${redis.url} (${redis.source})`);

    say("Ground service: opening the embedded database (PGlite) and applying migrations…");
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: "", // the embedded database, always: the demo wipes its data at every run
      DATA_DIR: join(dir, "ground"),
      REDIS_URL: redis.url,
      PORT: String(groundPort),
      QUEUE_PREFIX: DEMO_QUEUE_PREFIX,
      LOG_LEVEL: process.env["LOG_LEVEL"] ?? "warn",
    });
    const ground: Running = await run(config, { api: true, worker: true });
    // The next run's fresh database is another deployment, with queues of its own: this run's go.
    stops.push(() => resetQueues(redis.url, ground.infra.config.queuePrefix));
    stops.push(() => ground.stop());
    const groundUrl = ground.url!;
    say(`Ground service: API and workers on ${groundUrl}`);

    say("Seeding the demo airline…");
    const demo = await seedDemo(ground.infra.database.db, ground.infra.keys, { nowMs: ground.infra.now(), dataDir: config.dataDir });

    const terminal: TerminalHost = await startTerminalHost({
      dataDir: join(dir, "terminal"),
      port: terminalPort,
      log: (entry) => {
        if (entry["level"] === "error") say(`terminal: ${JSON.stringify(entry)}`);
      },
    });
    stops.push(() => terminal.close());
    const code = demo.enrolmentCodes.find((c) => c.trolleyId === TROLLEY)!.code;
    await terminal.core["enrolment/enrol"]({ groundUrl, code });
    const loaded = await terminal.core["manifest/load-assigned"]({});
    say(`Terminal: enrolled on trolley ${TROLLEY}, ${loaded.flights.length} legs loaded, crew UI on ${terminal.url}`);

    say(demoGuide(demo, groundUrl, { url: terminal.url, trolleyId: TROLLEY }));
    say("Type a letter and Enter:  s  a sample sale   ·   l  land the current leg (close, upload, settle)   ·   q  quit (or Ctrl-C)");
    say("Demo ready.");

    let turn = 0;
    let busy = false;
    // When stdin ends (a closed pipe) the demo keeps serving until a signal, as a server would.
    const input = createInterface({ input: process.stdin });
    input.on("line", (line) => {
      const command = line.trim().toLowerCase();
      if (command === "") return;
      if (command === "q") {
        void stop(0);
        return;
      }
      if (busy) {
        say("Still working on the last command…");
        return;
      }
      const work =
        command === "s"
          ? sampleSale(terminal.core, demo, turn++).then(say)
          : command === "l"
            ? land(terminal.core, { url: groundUrl, financeApiKey: demo.financeApiKey, legs: demo.legs }, say)
            : Promise.resolve(say(`Unknown command ${JSON.stringify(command)}: s, l or q`));
      busy = true;
      void work
        .catch((error: unknown) => say(`That did not work: ${(error as Error).message}`))
        .finally(() => {
          busy = false;
          terminal.notify({ type: "status/changed" });
        });
    });
  } catch (error) {
    if (error instanceof RedisUnavailableError || error instanceof ConfigError) say(error.message);
    else say(`The demo could not start: ${(error as Error).stack ?? String(error)}`);
    await stop(1);
  }
}

await main();
