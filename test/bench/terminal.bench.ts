/**
 * Terminal benchmark: `charge` latency (p50 / p99 over 1,000 sales on a real SQLite file with
 * synchronous=FULL) beside the sum of its two unavoidable parts measured in the same run: one
 * native Ed25519 verification and one durable SQLite commit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openTerminalDatabase } from "@cabinpay/cabin-terminal/internal/core/db/open";
import { saveEnrolment } from "@cabinpay/cabin-terminal/internal/core/enrolment";
import { loadFlight } from "@cabinpay/cabin-terminal/internal/core/flight/load";
import { charge } from "@cabinpay/cabin-terminal/internal/core/sales/sell";
import { createNobleSigner, createPinVerifier, generateSecretKey, issueVoucher, money, newId, signManifest } from "@cabinpay/shared";
import { createNodeSigner, createNodeVerifier } from "@cabinpay/shared/node";
import { printTable, type Rate } from "./measure.js";

const SALES = 1_000;
const WARMUP_SALES = 50;

export function runTerminalBench(): void {
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
    const voucher = issueVoucher(
      {
        voucherId: newId(),
        accountRef: newId(),
        flight,
        cap: money(4_000_000_000, "CNY"),
        validFromMs: departure - 86_400_000,
        validUntilMs: departure + 86_400_000,
        passengerName: "BENCH/MR",
        seat: "1A",
      },
      issuer,
    ).text;
    const seller = {
      terminalId: newId(),
      signer: createNodeSigner(generateSecretKey()),
      crew: { crewId: "C1", role: "crew" as const },
      newId,
    };

    // The two parts no implementation can avoid, timed one by one beside each sale, so that
    // this host's drift falls on the floor and on `charge` alike.
    const verifier = createNodeVerifier();
    const message = new Uint8Array(64);
    const signature = issuer.sign(message);
    opened.sqlite.exec("CREATE TABLE bench_commit (n INTEGER) STRICT");
    const insert = opened.sqlite.prepare("INSERT INTO bench_commit (n) VALUES (?)");
    const timed = (operation: () => void) => {
      const start = performance.now();
      operation();
      return performance.now() - start;
    };
    const samples = { verify: [] as number[], commit: [] as number[], charge: [] as number[] };
    for (let i = 0; i < SALES + WARMUP_SALES; i++) {
      const verifyMs = timed(() => void verifier.verify(signature, message, issuer.publicKey));
      const commitMs = timed(() => void insert.run(i));
      let result: ReturnType<typeof charge> | undefined;
      const chargeMs = timed(() => {
        result = charge(opened.db, loaded, seller, [{ sku: "DR-COF-300", quantity: 1 }], voucher, departure + 3_600_000);
      });
      if (!result?.ok) throw new Error("bench sale declined");
      if (i < WARMUP_SALES) continue;
      samples.verify.push(verifyMs);
      samples.commit.push(commitMs);
      samples.charge.push(chargeMs);
    }
    const percentile = (values: number[], p: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
    };
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const row = (name: string, ms: number): Rate => ({ name, opsPerSecond: 1000 / ms, meanMicros: ms * 1000, operations: SALES });
    const floorMs = mean(samples.verify) + mean(samples.commit);
    const floorP99Ms = percentile(samples.verify, 99) + percentile(samples.commit, 99);
    const p50 = percentile(samples.charge, 50);
    const p99 = percentile(samples.charge, 99);
    printTable(
      `charge latency over ${SALES} sales (real SQLite file)`,
      [
        row("one Ed25519 verify (node:crypto), mean", mean(samples.verify)),
        row("one durable SQLite commit (WAL, synchronous=FULL), mean", mean(samples.commit)),
        row("floor: verify + commit, means", floorMs),
        row("floor's own p99: verify p99 + commit p99", floorP99Ms),
        row("charge p50", p50),
        row("charge p99", p99),
      ],
      (r) =>
        r.name === "charge p99"
          ? `${(p99 / floorMs).toFixed(2)}× floor (target ≤ 3×); ${(p99 / floorP99Ms).toFixed(2)}× the floor's own p99`
          : r.name === "charge p50"
            ? `${(p50 / floorMs).toFixed(2)}× floor`
            : "",
    );
    opened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
