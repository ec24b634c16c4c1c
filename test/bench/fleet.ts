/**
 * The fleet landing burst and the scale-out table (`npm run bench:fleet`; see docs/performance.md).
 *
 * For each layout (API processes × worker processes, the built CLI on one PostgreSQL and one
 * Redis): a fresh database; `--flights` flights opened over HTTP, `--passengers` passengers
 * registered on each, out of `--accounts` passenger accounts (as many as `--passengers` by
 * default: the same people on every flight); two terminals enrolled per flight, each with `--records`
 * signed records made beforehand (sales and the close). Then every terminal uploads at once, spread
 * over the APIs, the way a fleet lands in the same hour. Printed per layout: time until every
 * record is settled and every flight closed, records per second, p50/p99 upload latency, peak
 * memory of every process; then the money is checked (no record settled twice, each voucher debited
 * exactly its sales, wallets, the ledger zero-sum).
 *
 *   npm run bench:fleet -- --flights 200 --records 300 --layouts 1x1,2x2
 *
 * The ground's processes inherit the environment (UV_THREADPOOL_SIZE, say); GROUND_NODE_OPTIONS
 * becomes their NODE_OPTIONS alone (V8's heap limits), leaving this process's.
 */
import { Agent } from "node:http";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { type GroundApi, groundApi, type OpenedFlight, openFlight, type Passenger, signUpPassengers } from "../support/flight.js";
import { type GroundProcesses, startGroundProcesses } from "../support/ground-processes.js";
import { sendOver, WireTerminal } from "../support/wire-terminal.js";
import { cpuByCommand, cpuSecondsOf, peakMemoryMiB } from "./cpu.js";
import { emptyJobRate, nativeVerifyRate } from "./raw-limits.js";

const TERMINALS_PER_FLIGHT = 2;
const COFFEE = { sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 };
const UPLOAD_ATTEMPTS_MAX = 8;
const SETTLE_TIMEOUT_MS = 30 * 60_000;

interface Options {
  readonly flights: number;
  readonly records: number;
  readonly passengers: number;
  /** Passenger accounts in all; flight f's seat i is account (f × passengers + i) mod accounts. */
  readonly accounts: number;
  readonly batchRecords: number;
  readonly layouts: readonly Layout[];
}

/** API processes × worker processes on PostgreSQL, or the embedded default: one process on PGlite. */
interface Layout {
  readonly apis: number;
  readonly workers: number;
  readonly embedded?: boolean;
}

/** Rows of a query: a PostgreSQL client's, or the embedded database's once the ground is down. */
interface Sql {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      flights: { type: "string", default: "200" },
      records: { type: "string", default: "300" },
      passengers: { type: "string", default: "20" },
      accounts: { type: "string" },
      batch: { type: "string", default: "1000" },
      layouts: { type: "string", default: "1x1" },
    },
  });
  const whole = (name: string, text: string, min: number, max: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}, got ${text}`);
    return n;
  };
  const layouts = values.layouts.split(",").map((layout): Layout => {
    if (layout.trim() === "embedded") return { apis: 1, workers: 1, embedded: true };
    const match = /^(\d+)x(\d+)$/.exec(layout.trim());
    if (match === null) throw new Error(`--layouts takes APIsxWorkers pairs such as 1x1,2x2, or embedded; got ${layout}`);
    return { apis: whole("layouts", match[1]!, 1, 8), workers: whole("layouts", match[2]!, 1, 8) };
  });
  return {
    flights: whole("flights", values.flights, 1, 1_000),
    records: whole("records", values.records, 2, 1_000),
    passengers: whole("passengers", values.passengers, 1, 200),
    // Fewer accounts than seats would seat one passenger twice on a flight.
    accounts: whole("accounts", values.accounts ?? values.passengers, Number(values.passengers), 10_000),
    batchRecords: whole("batch", values.batch, 1, 1_000),
    layouts,
  };
}

interface LayoutResult {
  readonly layout: string;
  readonly records: number;
  readonly uploadedMs: number;
  readonly settledMs: number;
  readonly closedMs: number;
  /** Each accepted upload request, from sending it to its answer. */
  readonly latenciesMs: number[];
  /** Each terminal, from the start of the burst until all its records were accepted (busy waits included). */
  readonly completionsMs: number[];
  readonly busyAnswers: number;
  readonly retries: number;
  readonly peakMemoryMiB: Record<string, number>;
  /** CPU seconds each process spent from the burst until everything was settled and closed. */
  readonly cpuSeconds: Record<string, number>;
  readonly problems: string[];
}

/** Every process this burst runs on: this one (the terminals), the ground's, and each server's by command name. */
function cpuByProcess(ground: GroundProcesses): Record<string, number> {
  const out: Record<string, number> = { bench: cpuSecondsOf(process.pid) };
  for (const p of ground.processes()) out[p.name] = cpuSecondsOf(p.pid);
  return { ...out, ...cpuByCommand(["postgres", "redis-server"]) };
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const step = (text: string) => process.stdout.write(`  ${text}\n`);

async function runLayout(o: Options, layout: Layout): Promise<LayoutResult> {
  const postgresUrl = process.env["DATABASE_URL"] ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const redisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
  const name = layout.embedded === true ? "embedded" : `${layout.apis}x${layout.workers}`;
  console.log(
    layout.embedded === true
      ? "\nEmbedded (npm start's default): one process, API and workers, on PGlite"
      : `\nLayout ${name}: ${layout.apis} API and ${layout.workers} worker processes on PostgreSQL`,
  );
  const ground = await startGroundProcesses({ postgresUrl, redisUrl, ...layout });
  // PostgreSQL is read beside the ground; the embedded database only by its own process, so
  // progress is read over the API and the records once the process is down.
  const db = layout.embedded === true ? undefined : new pg.Client({ connectionString: ground.databaseUrl });
  await db?.connect();
  try {
    const api = groundApi(ground.url);
    const started = performance.now();
    const { flights, accounts, bySeat } = await seed(api, ground, o);
    step(
      `seeded ${o.flights} flights, ${o.passengers} passengers registered on each, ${o.accounts} passenger accounts in all (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );

    const made = performance.now();
    const terminals: { terminal: WireTerminal; flightId: string; apiUrl: string; batches: Uint8Array[] }[] = [];
    /** What each passenger bought, by passenger: their wallet must be short of exactly this. */
    const soldMinor = new Map<string, number>();
    for (const [index, flight] of flights.entries())
      for (let t = 0; t < TERMINALS_PER_FLIGHT; t++) {
        const apiUrl = ground.urls[(index * TERMINALS_PER_FLIGHT + t) % ground.urls.length]!;
        const terminal = await WireTerminal.enrol(
          groundApi(apiUrl),
          { url: apiUrl, opsKey: ground.opsKey },
          flight.flightId,
          flight.ref,
          "AB"[t]!,
        );
        for (let r = 0; r < o.records - 1; r++) {
          const buyer = bySeat[index]![(r + t) % o.passengers]!;
          terminal.sale(buyer.voucherText, [COFFEE]);
          soldMinor.set(buyer.passengerId, (soldMinor.get(buyer.passengerId) ?? 0) + COFFEE.quantity * COFFEE.unitPriceMinor);
        }
        terminal.close();
        // Each upload's batch made now, on the terminal's own processor as in the aisle: the burst
        // below spends this machine's CPU on the ground's work and the uploads alone.
        const batches: Uint8Array[] = [];
        for (let from = 1; from <= o.records; from += o.batchRecords)
          batches.push(terminal.batch(from, Math.min(o.records, from + o.batchRecords - 1)));
        terminals.push({ terminal, flightId: flight.flightId, apiUrl, batches });
      }
    const total = terminals.length * o.records;
    step(
      `enrolled ${terminals.length} terminals and signed ${total.toLocaleString("en-US")} records (${((performance.now() - made) / 1000).toFixed(0)} s)`,
    );

    // The burst: every terminal uploads at once, and behaves as the terminal core does: a busy
    // ground's "come back after" is waited out (spread by up to half again); other failures are
    // retried with backoff, a few times.
    const latenciesMs: number[] = [];
    const completionsMs: number[] = [];
    let busyAnswers = 0;
    let retries = 0;
    // Each terminal's own connection, kept between its attempts.
    const agent = new Agent({ keepAlive: true, maxSockets: terminals.length });
    const cpuBefore = cpuByProcess(ground);
    const burst = performance.now();
    const burstAtMs = Date.now();
    await Promise.all(
      terminals.map(async ({ terminal, flightId, batches }) => {
        for (const bytes of batches) {
          for (let attempt = 1; ; ) {
            const sent = performance.now();
            const answer = await sendOver(agent, terminal.uploadRequest(flightId, bytes)).catch((error: Error) => ({
              status: 0,
              body: { message: error.message },
            }));
            if (answer.status === 200) {
              latenciesMs.push(performance.now() - sent);
              break;
            }
            const retryAfterMs = answer.body?.details?.retryAfterMs;
            if (typeof retryAfterMs === "number") {
              busyAnswers += 1;
              await new Promise((resolve) => setTimeout(resolve, retryAfterMs * (1 + 0.5 * Math.random())));
              continue;
            }
            if (attempt >= UPLOAD_ATTEMPTS_MAX)
              throw new Error(`upload failed ${attempt} times: ${answer.status} ${JSON.stringify(answer.body)}`);
            attempt += 1;
            retries += 1;
            await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
          }
        }
        completionsMs.push(performance.now() - burst);
      }),
    );
    const uploadedMs = performance.now() - burst;
    agent.destroy();
    step(`all ${total.toLocaleString("en-US")} records uploaded in ${(uploadedMs / 1000).toFixed(1)} s`);
    const flightIds = flights.map((f) => f.flightId);
    let settledMs: number | undefined;
    for (;;) {
      const now = db === undefined ? await progressByApi(api, ground.financeKey, flightIds) : await progressBySql(db, flightIds);
      if (now.pending === 0) settledMs ??= performance.now() - burst;
      if (now.pending === 0 && now.open === 0) break;
      if (performance.now() - burst > SETTLE_TIMEOUT_MS)
        throw new Error(`not settled after ${SETTLE_TIMEOUT_MS / 60_000} min: ${JSON.stringify(now)}`);
      await new Promise((resolve) => setTimeout(resolve, db === undefined ? 250 : 100));
    }
    const closedMs = performance.now() - burst;
    const cpuAfter = cpuByProcess(ground);
    if (db !== undefined) settledMs = (await lastSettledAtMs(db, flightIds)) - burstAtMs;
    const cpuSeconds = Object.fromEntries(Object.entries(cpuAfter).map(([n, seconds]) => [n, seconds - (cpuBefore[n] ?? 0)]));
    step(
      `every record settled ${((settledMs ?? closedMs) / 1000).toFixed(1)} s and every flight closed ${(closedMs / 1000).toFixed(1)} s after the burst began`,
    );
    // Job attempts that failed and were retried (BullMQ backs off), by job and reason: each costs time.
    const failures = new Map<string, number>();
    for (const line of ground
      .log()
      .split("\n")
      .filter((l) => l.includes('"msg":"settlement job failed"'))) {
      const { job, err } = JSON.parse(line.slice(line.indexOf("{"))) as { job?: string; err?: string };
      const key = `${job}: ${String(err)
        .replace(/[0-9a-f-]{36}/g, "…")
        .replace(/\d+/g, "N")}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
    for (const [key, count] of failures) step(`${count} failed attempts, retried: ${key}`);
    const peak: Record<string, number> = { bench: peakMemoryMiB(process.pid) };
    for (const p of ground.processes()) peak[p.name] = peakMemoryMiB(p.pid);
    const problems = await checkAccounts(api, ground, accounts, soldMinor);
    if (db !== undefined) problems.push(...(await checkRecords(db, total)));
    else {
      const embedded = await embeddedDatabase(ground);
      problems.push(...(await checkRecords(embedded, total)));
      await embedded.close();
    }
    return {
      layout: name,
      records: total,
      uploadedMs,
      settledMs: settledMs ?? closedMs,
      closedMs,
      latenciesMs: latenciesMs.sort((a, b) => a - b),
      completionsMs: completionsMs.sort((a, b) => a - b),
      busyAnswers,
      retries,
      peakMemoryMiB: peak,
      cpuSeconds,
      problems,
    };
  } finally {
    await db?.end();
    await ground.stop();
  }
}

/**
 * Flights not yet closed, read from PostgreSQL; a flight closes only once none of its records is
 * pending. Counting pending settlements instead scanned the pending index's 120,000 dead entries
 * ten times a second: a third of PostgreSQL's CPU in the burst was this bench asking.
 */
async function progressBySql(db: Sql, flightIds: readonly string[]) {
  const { rows } = await db.query<{ open: number }>(
    "SELECT count(*)::int AS open FROM flights WHERE id = ANY($1) AND closed_at_ms IS NULL",
    [flightIds],
  );
  return { pending: rows[0]!.open === 0 ? 0 : undefined, open: rows[0]!.open };
}

/** When the last record was settled, by the ground's clock (the ground runs on this machine's). */
async function lastSettledAtMs(db: Sql, flightIds: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ last: string }>("SELECT max(settled_at_ms)::text AS last FROM settlements WHERE flight_id = ANY($1)", [
    flightIds,
  ]);
  return Number(rows[0]!.last);
}

/** The same, as finance reads it over the API (the embedded database has no other reader). */
async function progressByApi(api: GroundApi, financeKey: string, flightIds: readonly string[]) {
  const ours = new Set(flightIds);
  const { flights } = (await api("GET", "/finance/flights", { token: financeKey })) as {
    flights: { flight: { flightId: string }; status: string; pendingSettlements: number }[];
  };
  const listed = flights.filter((f) => ours.has(f.flight.flightId));
  return {
    pending: listed.reduce((sum, f) => sum + f.pendingSettlements, 0),
    open: flightIds.length - listed.filter((f) => f.status === "settled").length,
  };
}

/** The embedded database, opened by this process once the ground's is down (it takes one process at a time). */
async function embeddedDatabase(ground: GroundProcesses): Promise<PGlite> {
  await ground.halt();
  const database = new PGlite(join(ground.dataDir, "pglite"));
  await database.waitReady;
  return database;
}

/**
 * Flights opened over HTTP, and `accounts` passengers signed up and funded once. Flight f's seat i
 * is account (f × passengers + i) mod accounts, registered there: with as many accounts as seats
 * (the default), every flight carries the same passengers, and every settlement chunk of every
 * flight locks the same wallets; with flights × passengers accounts, nobody is on two flights.
 * `bySeat[f][i]` is seat i's registration on flight f.
 */
async function seed(
  api: GroundApi,
  ground: GroundProcesses,
  o: Options,
): Promise<{ flights: OpenedFlight[]; accounts: Passenger[]; bySeat: Passenger[][] }> {
  const flights: OpenedFlight[] = [];
  for (let f = 0; f < o.flights; f++) flights.push(await openFlight(api, ground.opsKey, String(1000 + f)));
  const perPassengerPerFlightMinor = Math.ceil((o.records * TERMINALS_PER_FLIGHT) / o.passengers + 1) * COFFEE.unitPriceMinor;
  const capMinor = Math.min(200_000, perPassengerPerFlightMinor);
  const accountOf = (f: number, seat: number) => (f * o.passengers + seat) % o.accounts;
  const flightsOf = new Array<number>(o.accounts).fill(0);
  for (let f = 0; f < o.flights; f++) for (let seat = 0; seat < o.passengers; seat++) flightsOf[accountOf(f, seat)]! += 1;
  const accounts = await signUpPassengers(
    api,
    ground.opsKey,
    { count: o.accounts, emailTag: flights[0]!.flightId.slice(-12) },
    (index) => ({
      fundedMinor: capMinor * flightsOf[index - 1]!,
      capMinor,
    }),
  );
  const bySeat: Passenger[][] = [];
  for (const [f, flight] of flights.entries()) {
    const seats: Passenger[] = [];
    for (let from = 0; from < o.passengers; from += 10)
      seats.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(10, o.passengers - from) }, async (_, i) => {
            const p = accounts[accountOf(f, from + i)]!;
            const registration = await api("POST", "/registrations", {
              token: p.token,
              body: { flightId: flight.flightId, capMinor, seat: p.seat, passengerName: p.name },
            });
            return { ...p, voucherId: registration.registrationId, voucherText: registration.voucherText };
          }),
        )),
      );
    bySeat.push(seats);
  }
  return { flights, accounts, bySeat };
}

/** Fleet-wide money checks of the records: nothing settled twice or left, each voucher debited exactly its sales. */
async function checkRecords(db: Sql, records: number): Promise<string[]> {
  const problems: string[] = [];
  const one = async <R>(query: string) => (await db.query<R>(query)).rows[0]!;
  const counts = await one<{ records: number; settlements: number; settled_records: number; unsettled: number }>(
    `SELECT (SELECT count(*)::int FROM sale_records) AS records,
            (SELECT count(*)::int FROM settlements) AS settlements,
            (SELECT count(DISTINCT record_id)::int FROM settlements) AS settled_records,
            (SELECT count(*)::int FROM settlements WHERE status <> 'debited') AS unsettled`,
  );
  if (counts.records !== records) problems.push(`${counts.records} records stored, ${records} uploaded`);
  if (counts.settlements !== counts.settled_records) problems.push(`${counts.settlements - counts.settled_records} records settled twice`);
  // Every passenger had the funds: each sale is debited in full, none pending, short or failed.
  if (counts.unsettled !== 0) problems.push(`${counts.unsettled} settlements not debited`);
  const mismatched = await one<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT r.voucher_id, sum(r.total_minor) AS sold, sum(s.from_hold_minor + s.from_balance_minor) AS debited
         FROM sale_records r JOIN settlements s ON s.record_id = r.id WHERE r.kind = 'sale' GROUP BY r.voucher_id) v
      WHERE v.sold <> v.debited`,
  );
  if (mismatched.n !== 0) problems.push(`${mismatched.n} vouchers debited other than their sales`);
  return problems;
}

/** Each passenger's wallet is what they were funded less what the bench sold them; the ledger sums to zero. */
async function checkAccounts(
  api: GroundApi,
  ground: GroundProcesses,
  passengers: Passenger[],
  soldMinor: ReadonlyMap<string, number>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const p of passengers) {
    const sold = soldMinor.get(p.passengerId) ?? 0;
    const wallet = (await api("GET", "/me", { token: p.token })).wallets[0];
    if (wallet.postedMinor !== p.fundedMinor - sold || wallet.heldMinor !== 0)
      problems.push(`${p.name}: wallet ${wallet.postedMinor} (held ${wallet.heldMinor}), expected ${p.fundedMinor} − ${sold}`);
  }
  const ledger = await api("GET", "/finance/ledger", { token: ground.financeKey });
  for (const totals of ledger.currencies)
    if (totals.postedSumMinor !== 0 || totals.pendingSumMinor !== 0)
      problems.push(`the ledger does not balance: ${JSON.stringify(totals)}`);
  return problems;
}

const o = options();
console.log(
  `CabinPay fleet landing burst: ${o.flights} flights × ${TERMINALS_PER_FLIGHT} terminals × ${o.records} records = ${(o.flights * TERMINALS_PER_FLIGHT * o.records).toLocaleString("en-US")} records, ${o.passengers} passengers per flight of ${o.accounts} accounts, batches of up to ${o.batchRecords}`,
);
// The raw limits beside which the figures are read, measured in this run on this machine.
const rawVerifyPerSecond = nativeVerifyRate(5_000);
const rawEmptyJobsPerSecond = await emptyJobRate(
  process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379",
  `fleet-empty-${process.pid}-${Date.now()}`,
  2,
  5_000,
);
console.log(
  `the ground's processes: UV_THREADPOOL_SIZE=${process.env["UV_THREADPOOL_SIZE"] ?? "(Node's default, 4)"}, NODE_OPTIONS=${process.env["GROUND_NODE_OPTIONS"] ?? "(none)"}`,
);
console.log(
  `raw limits: native Ed25519 verify ${Math.round(rawVerifyPerSecond).toLocaleString("en-US")}/s on one core; BullMQ empty jobs ${Math.round(rawEmptyJobsPerSecond).toLocaleString("en-US")}/s (concurrency 2)`,
);
const results: LayoutResult[] = [];
for (const layout of o.layouts) results.push(await runLayout(o, layout));

const ms = (value: number) => `${Math.round(value).toLocaleString("en-US")} ms`;
const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;
const columns: [string, (r: LayoutResult) => string][] = [
  ["layout (APIs×workers)", (r) => r.layout],
  ["records", (r) => r.records.toLocaleString("en-US")],
  ["uploaded in", (r) => seconds(r.uploadedMs)],
  ["settled in", (r) => seconds(r.settledMs)],
  ["all closed", (r) => seconds(r.closedMs)],
  ["records/s", (r) => Math.round((r.records * 1000) / r.settledMs).toLocaleString("en-US")],
  ["ingest ÷ raw verify", (r) => `${Math.round((100 * r.records * 1000) / r.uploadedMs / rawVerifyPerSecond)}%`],
  ["request p50", (r) => ms(percentile(r.latenciesMs, 50))],
  ["request p99", (r) => ms(percentile(r.latenciesMs, 99))],
  ["terminal done p50", (r) => seconds(percentile(r.completionsMs, 50))],
  ["terminal done p99", (r) => seconds(percentile(r.completionsMs, 99))],
  ["busy answers", (r) => r.busyAnswers.toLocaleString("en-US")],
  ["retries", (r) => String(r.retries)],
];
const widths = columns.map(([title, cell]) => Math.max(title.length, ...results.map((r) => cell(r).length)));
console.log(`\n${columns.map(([title], i) => title.padStart(widths[i]!)).join("  ")}`);
for (const r of results) console.log(columns.map(([, cell], i) => cell(r).padStart(widths[i]!)).join("  "));
console.log(
  "\ntargets (issue 21), on 2 cores: 120,000 records (--flights 200 --records 300) all settled in ≤ 15 s at 1×1; API and worker peak memory ≤ 200 MiB each",
);
console.log("\npeak memory (MiB, VmHWM):");
for (const r of results)
  console.log(
    `  ${r.layout}: ${Object.entries(r.peakMemoryMiB)
      .map(([n, mib]) => `${n} ${mib}`)
      .join(", ")}`,
  );
console.log("\nCPU from the burst until all settled and closed (s), beside what 2 cores give in that time:");
for (const r of results) {
  const total = Object.values(r.cpuSeconds).reduce((sum, seconds) => sum + seconds, 0);
  console.log(
    `  ${r.layout}: ${Object.entries(r.cpuSeconds)
      .map(([n, seconds]) => `${n} ${seconds.toFixed(1)}`)
      .join(", ")}; all ${total.toFixed(1)} of ${((2 * r.closedMs) / 1000).toFixed(1)}`,
  );
}
const problems = results.flatMap((r) => r.problems.map((p) => `${r.layout}: ${p}`));
console.log(
  problems.length === 0
    ? "\nMoney checks: every layout settled each record once, debited each voucher exactly its sales, and balanced."
    : `\nMONEY PROBLEMS:\n${problems.join("\n")}`,
);
process.exit(problems.length === 0 ? 0 : 1);
