/**
 * Terminal start and manifest load (issue 21), on real SQLite files:
 * - a widebody flight's manifest (10 trolleys, 300 items, 10,000 revoked vouchers) loaded and its
 *   service opened, beside its floor: verifying its signature and writing its bytes once, durably;
 * - a terminal holding 50,000 records started (database opened and migrated, every chain checked
 *   against the anchor, the flight opened) until it answers its status, against 1 s.
 * Five runs each; the median, with the fastest and slowest.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createTerminalCore } from "@cabinpay/cabin-terminal/internal/core/api";
import { openTerminalDatabase } from "@cabinpay/cabin-terminal/internal/core/db/open";
import { saveEnrolment } from "@cabinpay/cabin-terminal/internal/core/enrolment";
import { loadFlight, openFlight } from "@cabinpay/cabin-terminal/internal/core/flight/load";
import { ChainGuard } from "@cabinpay/cabin-terminal/internal/core/integrity/anchor";
import { fileKeyStore } from "@cabinpay/cabin-terminal/internal/core/keys/key-store";
import { appendRecord } from "@cabinpay/cabin-terminal/internal/core/sales/chain";
import {
  createNobleSigner,
  createPinVerifier,
  generateSecretKey,
  issueVoucher,
  type ManifestContent,
  money,
  newId,
  signManifest,
  verifyManifest,
} from "@cabinpay/shared";
import { createNodeSigner, createNodeVerifier } from "@cabinpay/shared/node";
import { printTable, type Rate } from "./measure.js";

const RUNS = 5;
const RECORDS = 50_000;
const DEPARTURE_MS = Date.UTC(2026, 10, 30, 23, 25);
const FLIGHT = { carrier: "9C", number: "8850", date: "2026-12-01" };

export async function runTerminalStartBench(): Promise<void> {
  const ground = createNobleSigner(generateSecretKey());
  const issuer = createNobleSigner(generateSecretKey());
  const manifest = signManifest(widebody(issuer.publicKey), ground);
  printManifestLoad(manifest.bytes, ground.publicKey);
  await printStart(manifest.bytes, ground.publicKey, issuer);
}

function widebody(issuerKey: Uint8Array): ManifestContent {
  const trolleys = Array.from({ length: 10 }, (_, i) => String.fromCharCode(65 + i));
  return {
    manifestId: newId(),
    flight: FLIGHT,
    currency: "CNY",
    issuedAtMs: DEPARTURE_MS - 3_600_000,
    expiresAtMs: DEPARTURE_MS + 86_400_000,
    limits: { capMinorMax: 200_000, saleMinorMax: 200_000, saleLinesMax: 20 },
    trolleys,
    catalog: Array.from({ length: 300 }, (_, i) => ({
      sku: `SKU-${String(i).padStart(3, "0")}`,
      category: "duty_free",
      nameEn: `Item number ${i}`,
      nameZh: `商品 ${i}`,
      priceMinor: 1_000 + i,
      stockByTrolley: Object.fromEntries(trolleys.map((t) => [t, 20])),
    })),
    trustedKeys: [issuerKey],
    revokedVoucherIds: Array.from({ length: 10_000 }, () => newId()),
    crew: [{ crewId: "C1", name: "Bench", role: "crew", pinVerifier: createPinVerifier("1234", { log2N: 10, r: 8, p: 1 }) }],
    rates: [],
  };
}

function printManifestLoad(bytes: Uint8Array, groundKey: Uint8Array): void {
  const verifier = createNodeVerifier();
  const floors: number[] = [];
  const loads: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const dir = mkdtempSync(join(tmpdir(), "cabinpay-bench-manifest-"));
    try {
      const opened = openTerminalDatabase(join(dir, "terminal.db"));
      saveEnrolment(opened.db, { terminalId: newId(), name: "bench", groundUrl: "http://127.0.0.1:1", manifestPublicKey: groundKey }, 0);
      opened.sqlite.exec("CREATE TABLE bench_blob (b BLOB) STRICT");
      const write = opened.sqlite.prepare("INSERT INTO bench_blob (b) VALUES (?)");
      let start = performance.now();
      const verified = verifyManifest(bytes, { manifestKey: groundKey, verifier, nowMs: DEPARTURE_MS, clockToleranceMs: 0 });
      if (!verified.ok) throw new Error(verified.detail);
      write.run(Buffer.from(bytes));
      floors.push(performance.now() - start);
      start = performance.now();
      const loaded = loadFlight(opened.db, { manifestBytes: bytes, trolleyId: "A", nowMs: DEPARTURE_MS });
      openFlight(opened.db, loaded.flightKey);
      loads.push(performance.now() - start);
      opened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const floor = median(floors);
  const load = median(loads);
  printTable(
    `Manifest load: widebody (10 trolleys, 300 items, 10,000 revoked; ${(bytes.length / 1024).toFixed(0)} KiB), ${RUNS} runs`,
    [row("floor: verify its signature + write its bytes once, durably", floors), row("load it and open its service", loads)],
    (r) => (r.name.startsWith("load") ? `${(load / floor).toFixed(2)}× floor (target ≤ 3×)` : ""),
  );
}

async function printStart(manifestBytes: Uint8Array, groundKey: Uint8Array, issuer: ReturnType<typeof createNobleSigner>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "cabinpay-bench-start-"));
  try {
    const keyStore = fileKeyStore(join(dir, "device.key"));
    const secret = generateSecretKey();
    keyStore.save(secret);
    const opened = openTerminalDatabase(join(dir, "terminal.db"));
    saveEnrolment(opened.db, { terminalId: newId(), name: "bench", groundUrl: "http://127.0.0.1:1", manifestPublicKey: groundKey }, 0);
    const loaded = loadFlight(opened.db, { manifestBytes, trolleyId: "A", nowMs: DEPARTURE_MS });
    const voucherId = newId();
    const voucher = issueVoucher(
      {
        voucherId,
        accountRef: newId(),
        flight: FLIGHT,
        cap: money(200_000, "CNY"),
        validFromMs: DEPARTURE_MS - 86_400_000,
        validUntilMs: DEPARTURE_MS + 86_400_000,
        passengerName: "BENCH/MR",
        seat: "1A",
      },
      issuer,
    );
    const signer = createNodeSigner(secret);
    const lines = [{ sku: "SKU-000", quantity: 1, unitPriceMinor: 1_000 }];
    opened.db.transaction(() => {
      for (let i = 0; i < RECORDS; i++)
        appendRecord(
          opened.db,
          {
            recordId: newId(),
            kind: "sale",
            terminalId: newId(),
            flight: FLIGHT,
            createdAtMs: DEPARTURE_MS + i,
            crewId: "C1",
            trolleyId: "A",
            voucherId,
            currency: "CNY",
            lines,
            voucherBytes: voucher.bytes,
          },
          loaded.flightKey,
          signer,
        );
    });
    // The anchor at the head, as the terminal keeps it after each sale (written before the database closes).
    const guard = new ChainGuard(opened.db, keyStore);
    guard.open();
    guard.advance(loaded.flightKey);
    guard.flush();
    opened.close();
    const starts: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now();
      const core = createTerminalCore({ dataDir: dir, keyStore, now: () => DEPARTURE_MS + 3_600_000 });
      const status = await core["status/get"]({});
      starts.push(performance.now() - start);
      await core.close();
      if (status.unsentRecords !== RECORDS || status.chainProblem !== undefined) throw new Error("bench terminal did not start whole");
    }
    printTable(
      `Terminal start with ${RECORDS.toLocaleString("en-US")} records, ${RUNS} runs`,
      [row("start until status answers", starts)],
      () => `median ${median(starts).toFixed(0)} ms (target ≤ 1,000 ms)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** A row of `printTable` from run times: the median, the fastest and slowest beside it. */
function row(name: string, runsMs: readonly number[]): Rate {
  const ms = median(runsMs);
  const spread = `${name} (${Math.min(...runsMs).toFixed(1)}–${Math.max(...runsMs).toFixed(1)} ms)`;
  return { name: spread, opsPerSecond: 1000 / ms, meanMicros: ms * 1000, operations: runsMs.length };
}
