/**
 * Terminal benchmark: `charge` latency (p50 / p99 over 1,000 sales on a real SQLite file with
 * synchronous=FULL) beside the sum of its unavoidable parts measured in the same run: one native
 * Ed25519 verification and one durable SQLite commit; and for a phone's live code, one native
 * P-256 verification of the phone's signature on top; and a printed-voucher sale through the core
 * as crew's screen asks it (`sale/charge`). Between sales the loop gives the event loop one turn,
 * as the terminal's core does between two requests (what a sale leaves for later runs there: the
 * WAL checkpoint, `core/db/checkpoint.ts`, and the chain's anchor, `core/integrity/anchor.ts`).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createTerminalCore } from "@cabinpay/cabin-terminal/internal/core/api";
import { openTerminalDatabase } from "@cabinpay/cabin-terminal/internal/core/db/open";
import { saveEnrolment } from "@cabinpay/cabin-terminal/internal/core/enrolment";
import { loadFlight } from "@cabinpay/cabin-terminal/internal/core/flight/load";
import { charge } from "@cabinpay/cabin-terminal/internal/core/sales/sell";
import {
  createNobleSigner,
  createPinVerifier,
  createPortableDeviceSigner,
  generateSecretKey,
  issueVoucher,
  makeRotatingCode,
  money,
  newId,
  signManifest,
} from "@cabinpay/shared";
import { createNodeDeviceVerifier, createNodeSigner, createNodeVerifier, createSodiumVerifier } from "@cabinpay/shared/node";
import { printTable, type Rate } from "./measure.js";

const SALES = 1_000;
const WARMUP_SALES = 50;

export async function runTerminalBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "cabinpay-bench-terminal-"));
  try {
    const departure = Date.UTC(2026, 10, 30, 23, 25);
    const flight = { carrier: "9C", number: "8850", date: "2026-12-01" };
    const ground = createNobleSigner(generateSecretKey());
    const issuer = createNobleSigner(generateSecretKey());
    const opened = openTerminalDatabase(join(dir, "terminal.db"));
    saveEnrolment(
      opened.db,
      { terminalId: newId(), name: "bench", groundUrl: "http://127.0.0.1:1", manifestPublicKey: ground.publicKey },
      departure - 86_400_000,
    );
    const manifest = signManifest(
      {
        manifestId: newId(),
        flight,
        currency: "CNY",
        issuedAtMs: departure - 3_600_000,
        expiresAtMs: departure + 86_400_000,
        limits: { capMinorMax: 200_000, saleMinorMax: 200_000, saleLinesMax: 20 },
        trolleys: ["A"],
        catalog: [
          {
            sku: "DR-COF-300",
            category: "drink",
            nameEn: "Hot Coffee",
            nameZh: "热咖啡",
            priceMinor: 2_000,
            stockByTrolley: { A: 65_535 },
          },
        ],
        trustedKeys: [issuer.publicKey],
        revokedVoucherIds: [],
        crew: [{ crewId: "C1", name: "Bench", role: "crew", pinVerifier: createPinVerifier("1234", { log2N: 10, r: 8, p: 1 }) }],
        rates: [],
      },
      ground,
    );
    const loaded = loadFlight(opened.db, { manifestBytes: manifest.bytes, trolleyId: "A", nowMs: departure });
    const voucherFor = (devicePublicKey?: Uint8Array) =>
      issueVoucher(
        {
          voucherId: newId(),
          accountRef: newId(),
          flight,
          cap: money(4_000_000_000, "CNY"),
          validFromMs: departure - 86_400_000,
          validUntilMs: departure + 86_400_000,
          passengerName: "BENCH/MR",
          seat: "1A",
          ...(devicePublicKey === undefined ? {} : { devicePublicKey }),
        },
        issuer,
      );
    const seller = {
      terminalId: newId(),
      signer: createNodeSigner(generateSecretKey()),
      crew: { crewId: "C1", role: "crew" as const },
      newId,
    };
    const saleAtMs = departure + 3_600_000;
    const sell = (scanned: string) => charge(opened.db, loaded, seller, [{ sku: "DR-COF-300", quantity: 1 }], scanned, saleAtMs);

    // The parts no implementation can avoid, timed one by one beside each sale, so that this
    // host's drift falls on the floor and on `charge` alike.
    const verifier = createNodeVerifier();
    const message = new Uint8Array(64);
    const signature = issuer.sign(message);
    opened.sqlite.exec("CREATE TABLE bench_commit (n INTEGER) STRICT");
    const insert = opened.sqlite.prepare("INSERT INTO bench_commit (n) VALUES (?)");
    const ed25519 = () => void verifier.verify(signature, message, issuer.publicKey);
    // What the sale's worker verifies with: the stricter floor, printed beside the issue's.
    const sodium = createSodiumVerifier();
    if (sodium.name !== "libsodium") throw new Error("libsodium did not load: the terminal would verify with node:crypto");
    const ed25519Sodium = () => void sodium.verify(signature, message, issuer.publicKey);
    let committed = 0;
    const commit = () => void insert.run(committed++);

    const printed = voucherFor().text;
    await printCharges(
      "charge latency over 1,000 sales, printed voucher (real SQLite file)",
      "one Ed25519 verify",
      { checks: ed25519, checksSodium: ed25519Sodium, commit },
      () => sell(printed),
    );
    const flightForCore = { ground, manifestBytes: manifest.bytes, enrolledAtMs: departure - 86_400_000, saleAtMs };
    await printChargesThroughCore(dir, flightForCore, { checks: ed25519, checksSodium: ed25519Sodium, commit }, voucherFor().text);

    // A phone's live code: each sale a fresh code (a code pays once), made before the clock starts.
    const phone = createPortableDeviceSigner();
    const bound = voucherFor(phone.publicKey);
    const codes: string[] = [];
    for (let counter = 1; counter <= SALES + WARMUP_SALES; counter++)
      codes.push(await makeRotatingCode(bound.bytes, { nowMs: saleAtMs, periodS: 30, counter }, phone));
    const deviceVerifier = createNodeDeviceVerifier();
    const deviceMessage = new Uint8Array(300);
    const deviceSignature = phone.signSync(deviceMessage);
    const p256 = () => void deviceVerifier.verify(deviceSignature, deviceMessage, phone.publicKey);
    let next = 0;
    await printCharges(
      "charge latency over 1,000 sales, phone's live code (real SQLite file)",
      "Ed25519 + P-256 verify",
      {
        checks: () => {
          ed25519();
          p256();
        },
        checksSodium: () => {
          ed25519Sodium();
          p256();
        },
        commit,
      },
      () => sell(codes[next++]!),
    );
    opened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A printed-voucher sale as crew's screen asks it of the core (`sale/charge`, on a core of its
 * own): the cart filled before the clock starts; the sale, and the chain's anchor beside the
 * device key, which the core writes on the event loop's next turn, after the answer.
 */
async function printChargesThroughCore(
  dir: string,
  flight: { ground: { publicKey: Uint8Array }; manifestBytes: Uint8Array; enrolledAtMs: number; saleAtMs: number },
  floor: Floor,
  voucherText: string,
): Promise<void> {
  const dataDir = join(dir, "core");
  mkdirSync(dataDir);
  const enrolling = openTerminalDatabase(join(dataDir, "terminal.db"));
  const enrolment = { terminalId: newId(), name: "bench", groundUrl: "http://127.0.0.1:1", manifestPublicKey: flight.ground.publicKey };
  saveEnrolment(enrolling.db, enrolment, flight.enrolledAtMs);
  enrolling.close();
  const core = createTerminalCore({ dataDir, now: () => flight.saleAtMs });
  try {
    await core["manifest/import"]({ manifestBase64: Buffer.from(flight.manifestBytes).toString("base64"), trolleyId: "A" });
    if (!(await core["crew/login"]({ crewId: "C1", pin: "1234" })).ok) throw new Error("bench crew not logged in");
    await printCharges(
      "a printed-voucher sale through the core (sale/charge; the chain's anchor written after the answer)",
      "one Ed25519 verify",
      floor,
      () => core["sale/charge"]({ voucherText }),
      async () => {
        await core["cart/add"]({ sku: "DR-COF-300" });
        // The anchor the last sale left is a file replaced; the next flush of the disk writes its
        // metadata back. In the aisle that happens long before the next sale; here one untimed
        // commit does it, so that neither the floor nor the sale pays for it.
        floor.commit();
      },
    );
  } finally {
    core.close();
  }
}

/** The parts no sale can avoid: its signature checks by node:crypto (the issue's floor) and by libsodium, and one durable commit. */
interface Floor {
  readonly checks: () => void;
  readonly checksSodium: () => void;
  readonly commit: () => void;
}

/** Times `sale` beside the floor's parts (signature checks, then the commit), and prints p50 / p99 against the floor. */
async function printCharges(
  title: string,
  checksName: string,
  { checks, checksSodium, commit }: Floor,
  sale: () => { ok: boolean } | Promise<{ ok: boolean }>,
  /** What a sale needs first, untimed (the core's cart). */
  before?: () => Promise<unknown>,
): Promise<void> {
  const timed = (operation: () => unknown) => {
    const start = performance.now();
    operation();
    return performance.now() - start;
  };
  const samples = { checks: [] as number[], checksSodium: [] as number[], commit: [] as number[], charge: [] as number[] };
  for (let i = 0; i < SALES + WARMUP_SALES; i++) {
    await before?.();
    const checksMs = timed(checks);
    const checksSodiumMs = timed(checksSodium);
    const commitMs = timed(commit);
    const start = performance.now();
    const answer = sale();
    const { ok } = answer instanceof Promise ? await answer : answer;
    const chargeMs = performance.now() - start;
    if (!ok) throw new Error("bench sale declined");
    await new Promise((resolve) => setImmediate(resolve));
    if (i < WARMUP_SALES) continue;
    samples.checks.push(checksMs);
    samples.checksSodium.push(checksSodiumMs);
    samples.commit.push(commitMs);
    samples.charge.push(chargeMs);
  }
  const percentile = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  };
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const row = (name: string, ms: number): Rate => ({ name, opsPerSecond: 1000 / ms, meanMicros: ms * 1000, operations: SALES });
  const floorMs = mean(samples.checks) + mean(samples.commit);
  const floorP99Ms = percentile(samples.checks, 99) + percentile(samples.commit, 99);
  const sodiumFloorMs = mean(samples.checksSodium) + mean(samples.commit);
  const sodiumFloorP99Ms = percentile(samples.checksSodium, 99) + percentile(samples.commit, 99);
  const p50 = percentile(samples.charge, 50);
  const p99 = percentile(samples.charge, 99);
  printTable(
    title,
    [
      row(`${checksName} (node:crypto), mean`, mean(samples.checks)),
      row(`${checksName} (libsodium, what the sale runs), mean`, mean(samples.checksSodium)),
      row("one durable SQLite commit (WAL, synchronous=FULL), mean", mean(samples.commit)),
      row("floor: checks (node:crypto) + commit, means", floorMs),
      row("floor's own p99: checks p99 + commit p99", floorP99Ms),
      row("charge p50", p50),
      row("charge p99", p99),
    ],
    (r) =>
      r.name === "charge p99"
        ? `${(p99 / floorMs).toFixed(2)}× floor; ${(p99 / floorP99Ms).toFixed(2)}× the floor's own p99 (target ≤ 1.2×); ${(p99 / sodiumFloorP99Ms).toFixed(2)}× with libsodium's checks`
        : r.name === "charge p50"
          ? `${(p50 / floorMs).toFixed(2)}× floor (target ≤ 1.5×); ${(p50 / sodiumFloorMs).toFixed(2)}× with libsodium's checks`
          : "",
  );
}
