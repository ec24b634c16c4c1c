/**
 * Ground benchmark on a real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, else the local
 * defaults): ingest of 1,000-record batches beside the raw verify rates (node:crypto, libsodium), and settlement
 * debits per second end to end through BullMQ and PostgreSQL beside BullMQ's empty-job rate on
 * the same Redis, at several worker concurrencies.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { INGEST_CONCURRENCY_DEFAULT } from "@cabinpay/ground-settlement/internal/config";
import { openDatabase } from "@cabinpay/ground-settlement/internal/db/client";
import { deployment } from "@cabinpay/ground-settlement/internal/db/schema/deployment";
import { terminalFlights, terminals } from "@cabinpay/ground-settlement/internal/db/schema/terminals";
import { settlements } from "@cabinpay/ground-settlement/internal/db/schema/uploads";
import { queueJobs, settlementQueue, startSettlement } from "@cabinpay/ground-settlement/internal/jobs/settlement";
import { fileKeyStore } from "@cabinpay/ground-settlement/internal/keys/key-store";
import { fundWallet, walletAccount } from "@cabinpay/ground-settlement/internal/ledger/ledger";
import { createFlight, type Flight, replaceCatalog } from "@cabinpay/ground-settlement/internal/services/flights";
import { createIngest } from "@cabinpay/ground-settlement/internal/services/ingest";
import { sweepOutbox } from "@cabinpay/ground-settlement/internal/services/outbox";
import { signUp } from "@cabinpay/ground-settlement/internal/services/passengers";
import { register } from "@cabinpay/ground-settlement/internal/services/registrations";
import {
  concatBytes,
  createBatch,
  createRecord,
  decodeVoucherText,
  GENESIS_HASH,
  generateSecretKey,
  newId,
  type SaleRecord,
  SIGNATURE_DOMAIN,
  type Verifier,
} from "@cabinpay/shared";
import { createNodeSigner, createNodeVerifier, createSodiumVerifier } from "@cabinpay/shared/node";
import { and, eq, sql } from "drizzle-orm";
import pg from "pg";
import pino from "pino";
import { cpuByCommand, HAS_PROC, threadCpuSeconds } from "./cpu.js";
import { printTable, type Rate } from "./measure.js";
import { emptyJobRate } from "./raw-limits.js";
import { settlementFloorMs, writtenSoFar } from "./settlement-floor.js";

const BATCH_RECORDS = 1_000;
const INGEST_RUNS = 10;
/** Uploads ingested at once in the throughput rounds: as many as the API takes at once by default, as terminals upload together after landing. */
const INGEST_TOGETHER = INGEST_CONCURRENCY_DEFAULT;
const EMPTY_JOBS = 10_000;
const PASSENGERS = 150;
const CONCURRENCIES = [1, 2, 4] as const;
const DEPARTURE_MS = Date.UTC(2026, 10, 30, 23, 25);

type Database = Awaited<ReturnType<typeof openDatabase>>["db"];

/** The engine the ground runs on: a PostgreSQL server, or the embedded PGlite `npm start` uses by default. */
export type GroundEngine = "postgres" | "pglite";

export async function runGroundBench(engine: GroundEngine = "postgres"): Promise<void> {
  const serverUrl = process.env["DATABASE_URL"] ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const redisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
  const name = `cabinpay_bench_${newId().replaceAll("-", "").slice(0, 16)}`;
  const dataDir = mkdtempSync(join(tmpdir(), "cabinpay-bench-"));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  if (engine === "postgres") await admin(serverUrl, `CREATE DATABASE ${name}`);
  const database = await openDatabase({
    databaseUrl: engine === "postgres" ? url.toString() : undefined,
    pgliteDir: join(dataDir, "pglite"),
    poolSizeMax: 10,
    statementTimeoutMs: 120_000,
  });
  const prefix = `bench-${newId()}`;
  const engineName = engine === "postgres" ? "PostgreSQL" : "PGlite (embedded)";
  console.log(`
Ground service on ${engineName}`);
  try {
    await database.migrate();
    const db = database.db;
    const deploymentId = (await db.select().from(deployment))[0]!.deploymentId;
    const setup = await seed(db, dataDir);

    // Raw limits of ingest: Ed25519 verifications, as many as a batch needs, timed right before
    // each batch so that this host's drift (its verify rate swings by half between minutes) falls
    // on both sides of the ratio alike. node:crypto's is the floor; libsodium's is the
    // verifier ingest runs (1.7× faster), the stricter floor, printed beside it.
    const signer = createNodeSigner(generateSecretKey());
    const message = concatBytes(SIGNATURE_DOMAIN.record, new Uint8Array(32));
    const signature = signer.sign(message);
    const timeVerifier = (verifier: Verifier) => (count: number) => {
      const start = performance.now();
      for (let i = 0; i < count; i++) verifier.verify(signature, message, signer.publicKey);
      return performance.now() - start;
    };
    const rawVerifyMs = timeVerifier(createNodeVerifier());
    const sodiumVerifier = createSodiumVerifier();
    if (sodiumVerifier.name !== "libsodium") throw new Error("libsodium did not load: the ground would verify with node:crypto");
    const rawSodiumMs = timeVerifier(sodiumVerifier);
    rawVerifyMs(BATCH_RECORDS);
    rawSodiumMs(BATCH_RECORDS);
    // The workers start at their first job, once in a process's life: not inside the first round.
    await sodiumVerifier.verifyAll(Array.from({ length: 256 }, () => ({ signature, message, publicKey: signer.publicKey })));

    // The ingest service as the API runs it; its queue is not used: the bench sweeps the outbox itself.
    const queue = settlementQueue(redisUrl, prefix, deploymentId);
    const ingest = createIngest({ db, jobs: queueJobs(queue) });
    const terminalsForSettlement: { terminalId: string }[] = [];
    // Rounds of `together` uploads at once, each beside the raw verification of as many signatures.
    const ingestRounds = async (together: number) => {
      const pairs: Pair[] = [];
      for (let run = 0; run < INGEST_RUNS; run++) {
        const uploads = [];
        for (let i = 0; i < together; i++) {
          const terminal = await newTerminal(db, setup.flight);
          uploads.push({ terminal, bytes: batchOf(terminal, setup) });
        }
        const rawMs = rawVerifyMs(together * BATCH_RECORDS);
        const rawSodium = rawSodiumMs(together * BATCH_RECORDS);
        const cpuBefore = cpuNow(engine);
        const start = performance.now();
        const results = await Promise.all(
          uploads.map(({ terminal, bytes }) =>
            ingest.ingest({
              terminalId: terminal.terminalId,
              flightId: setup.flight.id,
              flight: setup.flight,
              assignedTrolleyId: null,
              bytes,
              nowMs: DEPARTURE_MS + 3 * 3_600_000,
            }),
          ),
        );
        const ingestMs = performance.now() - start;
        pairs.push({ rawMs, rawSodiumMs: rawSodium, ingestMs, cpu: cpuSpent(cpuBefore, cpuNow(engine)) });
        for (const result of results)
          if (result.kind !== "accepted" || result.records.filter((r) => r.outcome === "accepted").length !== BATCH_RECORDS)
            throw new Error("bench batch not accepted");
        terminalsForSettlement.push(...uploads.map((u) => u.terminal));
      }
      return pairs;
    };
    const percent = (ratio: number) => `${(100 * ratio).toFixed(0)}%`;
    const records = INGEST_RUNS * BATCH_RECORDS;
    const rate = (name: string, totalMs: number, operations: number): Rate => ({
      name,
      opsPerSecond: (operations * 1000) / totalMs,
      meanMicros: (totalMs * 1000) / operations,
      operations,
    });
    const sumOf = (pairs: readonly Pair[], key: "rawMs" | "rawSodiumMs" | "ingestMs") => pairs.reduce((sum, p) => sum + p[key], 0);
    const oneAtATime = await ingestRounds(1);
    const together = await ingestRounds(INGEST_TOGETHER);
    const rawVerify = rate(
      "raw Ed25519 verify (node:crypto), one core",
      sumOf(oneAtATime, "rawMs") + sumOf(together, "rawMs"),
      records * (1 + INGEST_TOGETHER),
    );
    const rawSodium = rate(
      "raw Ed25519 verify (libsodium, what ingest runs), one core",
      sumOf(oneAtATime, "rawSodiumMs") + sumOf(together, "rawSodiumMs"),
      records * (1 + INGEST_TOGETHER),
    );
    const ingestRows = [
      {
        pairs: oneAtATime,
        row: rate(`ingest, one ${BATCH_RECORDS}-record upload at a time (x${INGEST_RUNS})`, sumOf(oneAtATime, "ingestMs"), records),
      },
      {
        pairs: together,
        row: rate(`ingest, ${INGEST_TOGETHER} uploads at once (x${INGEST_RUNS})`, sumOf(together, "ingestMs"), records * INGEST_TOGETHER),
      },
    ];
    printTable(
      `Ingest on ${engineName} (all signatures: batch, records, vouchers; one transaction per batch)`,
      [rawVerify, rawSodium, ...ingestRows.map((r) => r.row)],
      (row) => {
        const measured = ingestRows.find((r) => r.row === row);
        if (measured === undefined) return "";
        const ratios = measured.pairs.map((p) => p.rawMs / p.ingestMs).sort((x, y) => x - y);
        const ofRaw = percent(sumOf(measured.pairs, "rawMs") / sumOf(measured.pairs, "ingestMs"));
        const ofSodium = percent(sumOf(measured.pairs, "rawSodiumMs") / sumOf(measured.pairs, "ingestMs"));
        const spread = `per round ${percent(ratios[0]!)}–${percent(ratios.at(-1)!)}, median ${percent(ratios[Math.floor(ratios.length / 2)]!)}`;
        const target =
          measured.pairs === together ? " (target ≥ 100%: both cores, as uploads arrive after landing)" : " (latency: one upload alone)";
        return `${ofRaw} of one core's raw node:crypto verify${target}; ${spread}; ${ofSodium} of libsodium's`;
      },
    );

    printIngestCpu(engineName, rawVerify.meanMicros, [
      { name: ingestRows[0]!.row.name, pairs: oneAtATime, records },
      { name: ingestRows[1]!.row.name, pairs: together, records: records * INGEST_TOGETHER },
    ]);

    // Settlement beside BullMQ's empty-job rate, per worker concurrency.
    const rows: Rate[] = [];
    let pendingTerminals = terminalsForSettlement;
    // PGlite is one connection in this process: its transactions run one at a time, whatever the concurrency.
    const floorRates: number[] = [];
    for (const concurrency of engine === "postgres" ? CONCURRENCIES : ([1] as const)) {
      const empty = await emptyJobRate(redisUrl, `${prefix}-empty-${concurrency}`, concurrency, EMPTY_JOBS);
      rows.push({
        name: `BullMQ empty jobs, concurrency ${concurrency}`,
        opsPerSecond: empty,
        meanMicros: 1e6 / empty,
        operations: EMPTY_JOBS,
      });
      if (pendingTerminals.length === 0) {
        // Fresh records for this round: as many batches again, each from a new terminal.
        pendingTerminals = [];
        for (let run = 0; run < INGEST_RUNS; run++) {
          const terminal = await newTerminal(db, setup.flight);
          await ingest.ingest({
            terminalId: terminal.terminalId,
            flightId: setup.flight.id,
            flight: setup.flight,
            assignedTrolleyId: null,
            bytes: batchOf(terminal, setup),
            nowMs: DEPARTURE_MS + 3 * 3_600_000,
          });
          pendingTerminals.push(terminal);
        }
      }
      const records = pendingTerminals.length * BATCH_RECORDS;
      await sweepOutbox(db, queueJobs(queue), DEPARTURE_MS + 3 * 3_600_000);
      const before = await writtenSoFar(db);
      const start = performance.now();
      const worker = await startSettlement({
        db,
        redisUrl,
        prefix,
        deploymentId,
        now: () => DEPARTURE_MS + 4 * 3_600_000,
        logger: pino({ level: "silent" }),
        concurrency,
        lockDurationMs: 60_000,
      });
      for (;;) {
        const [row] = await db
          .select({ n: sql<number>`count(*)::int` })
          .from(settlements)
          .where(and(eq(settlements.flightId, setup.flight.id), eq(settlements.status, "pending")));
        if (row!.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const elapsedMs = performance.now() - start;
      await worker.close();
      rows.push({
        name: `settlement debits, concurrency ${concurrency}`,
        opsPerSecond: (records * 1000) / elapsedMs,
        meanMicros: (elapsedMs * 1000) / records,
        operations: records,
      });
      const floorMs = await settlementFloorMs(db, before, Math.ceil(records / 1_000));
      floorRates.push((records * 1000) / floorMs);
      rows.push({
        name: `raw floor: the same rows, round ${floorRates.length}`,
        opsPerSecond: floorRates.at(-1)!,
        meanMicros: (floorMs * 1000) / records,
        operations: records,
      });
      pendingTerminals = [];
    }
    await queue.obliterate({ force: true });
    await queue.close();
    const best = (prefix: string) => Math.max(...rows.filter((r) => r.name.startsWith(prefix)).map((r) => r.opsPerSecond));
    const floor = Math.max(...floorRates);
    printTable(
      `Settlement on ${engineName} (end to end: BullMQ job → one transaction per chunk of up to 1,000 records), beside the raw floor (the rows it wrote, one multi-row INSERT per table per chunk, no logic)`,
      rows,
      (row) =>
        row.name.startsWith("settlement")
          ? `${(row.opsPerSecond / best("BullMQ")).toFixed(2)}× best empty-job rate; ${Math.round((100 * row.opsPerSecond) / floor)}% of the best raw floor (target ≥ 50%)`
          : "",
    );
  } finally {
    await database.close();
    if (engine === "postgres") await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** CPU seconds so far: this process's main thread, its other threads, and PostgreSQL's processes (none for PGlite, which runs on the main thread). */
/** One round of ingest beside the raw verification of as many signatures, by each verifier. */
interface Pair {
  readonly rawMs: number;
  readonly rawSodiumMs: number;
  readonly ingestMs: number;
  readonly cpu: CpuSpent | undefined;
}

interface CpuSpent {
  readonly main: number;
  readonly others: number;
  readonly database: number;
}

function cpuNow(engine: GroundEngine): CpuSpent | undefined {
  const threads = threadCpuSeconds();
  if (threads === undefined) return undefined;
  return { ...threads, database: engine === "postgres" ? (cpuByCommand(["postgres"])["postgres"] ?? 0) : 0 };
}

function cpuSpent(before: CpuSpent | undefined, after: CpuSpent | undefined): CpuSpent | undefined {
  if (before === undefined || after === undefined) return undefined;
  return { main: after.main - before.main, others: after.others - before.others, database: after.database - before.database };
}

/**
 * Where ingest's CPU went, per record, beside what two cores give at 100% of one core's raw
 * node:crypto verify (twice its time a signature): the main thread (decoding, judging, the database
 * protocol), the other threads (libsodium's workers verifying and V8's collector) and PostgreSQL. Ingest is at
 * its target when the three together fit in that budget and the work overlaps.
 */
function printIngestCpu(
  engineName: string,
  rawVerifyMicros: number,
  modes: readonly { name: string; pairs: readonly { cpu: CpuSpent | undefined }[]; records: number }[],
): void {
  const budget = `two cores give ${(2 * rawVerifyMicros).toFixed(1)} µs a record at 100% (twice one raw node:crypto verify)`;
  console.log(`\nIngest CPU per record on ${engineName}, ${HAS_PROC ? budget : "not measured (no /proc on this system)"}`);
  if (!HAS_PROC) return;
  const width = Math.max(...modes.map((m) => m.name.length));
  console.log(
    `${"".padEnd(width)}  ${"main thread".padStart(12)}  ${"other threads".padStart(14)}  ${"PostgreSQL".padStart(11)}  ${"all".padStart(9)}`,
  );
  const µs = (seconds: number, records: number) => `${((seconds * 1e6) / records).toFixed(1)} µs`;
  for (const { name, pairs, records } of modes) {
    const sum = (key: keyof CpuSpent) => pairs.reduce((total, p) => total + (p.cpu?.[key] ?? 0), 0);
    const [main, others, database] = [sum("main"), sum("others"), sum("database")];
    console.log(
      `${name.padEnd(width)}  ${µs(main, records).padStart(12)}  ${µs(others, records).padStart(14)}  ${(engineName === "PostgreSQL" ? µs(database, records) : "in main").padStart(11)}  ${µs(main + others + database, records).padStart(9)}`,
    );
  }
}

interface Seeded {
  readonly flight: Flight;
  readonly vouchers: { id: string; bytes: Uint8Array }[];
}

async function seed(db: Database, dataDir: string): Promise<Seeded> {
  const nowMs = DEPARTURE_MS - 86_400_000;
  const flight = await createFlight(
    db,
    {
      carrier: "9C",
      number: "8850",
      date: "2026-12-01",
      origin: "PVG",
      destination: "CTU",
      currency: "CNY",
      departureAtMs: DEPARTURE_MS,
      capMinorMax: 200_000,
    },
    nowMs,
  );
  await replaceCatalog(db, flight.id, [
    { sku: "DR-COF-300", nameEn: "Hot Coffee", nameZh: "热咖啡", category: "drink", priceMinor: 2_000, stock: { A: 60_000 } },
  ]);
  const keys = fileKeyStore(join(dataDir, "keys"));
  const vouchers: { id: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < PASSENGERS; i++) {
    const { passengerId } = await signUp(db, {
      email: `bench${i}@example.com`,
      password: "bench password 123",
      displayName: `BENCH ${i}`,
      nowMs,
      costLog2N: 10,
    });
    await db.transaction(async (tx) => {
      const wallet = await walletAccount(tx, passengerId, "CNY", nowMs);
      await fundWallet(tx, { transferId: newId(), walletAccountId: wallet.id, amountMinor: 10_000_000, nowMs });
    });
    const { registration } = await register(db, keys, { passengerId, flightId: flight.id, capMinor: 200_000, nowMs });
    const decoded = decodeVoucherText(registration.voucherText);
    if (!decoded.ok) throw new Error("bench voucher");
    vouchers.push({ id: registration.id, bytes: decoded.bytes });
  }
  return { flight, vouchers };
}

async function newTerminal(db: Database, flight: Flight) {
  const signer = createNodeSigner(generateSecretKey());
  const terminalId = newId();
  await db.insert(terminals).values({ id: terminalId, name: "bench", publicKey: signer.publicKey, enrolledAtMs: 0 });
  // Many terminals on one flight's trolley: assigned without one (as before trolleys were tracked).
  await db.insert(terminalFlights).values({ terminalId, flightId: flight.id, assignedAtMs: 0 });
  return { terminalId, signer };
}

function batchOf(terminal: { terminalId: string; signer: ReturnType<typeof createNodeSigner> }, setup: Seeded): Uint8Array {
  const flightRef = { carrier: setup.flight.carrier, number: setup.flight.number, date: setup.flight.flightDate };
  const records: SaleRecord[] = [];
  for (let sequence = 1; sequence <= BATCH_RECORDS; sequence++) {
    const voucher = setup.vouchers[sequence % setup.vouchers.length]!;
    records.push(
      createRecord(
        {
          recordId: newId(),
          kind: "sale",
          terminalId: terminal.terminalId,
          flight: flightRef,
          sequence,
          previousHash: records.at(-1)?.hash ?? GENESIS_HASH,
          createdAtMs: DEPARTURE_MS + 3_600_000,
          crewId: "C1002",
          trolleyId: "A",
          voucherId: voucher.id,
          currency: "CNY",
          lines: [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }],
          voucherBytes: voucher.bytes,
        },
        terminal.signer,
      ),
    );
  }
  return createBatch(
    {
      terminalId: terminal.terminalId,
      flight: flightRef,
      firstSequence: 1,
      previousHash: GENESIS_HASH,
      createdAtMs: DEPARTURE_MS + 3 * 3_600_000,
    },
    records,
    terminal.signer,
  );
}

async function admin(serverUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
