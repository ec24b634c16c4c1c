/**
 * `npm run bench` (after the build the page benchmark needs): prints every benchmark's figures as tables. Figures depend on the machine; the
 * ones recorded in docs/performance.md came from the 2-core machine CI runs on.
 */
import { cpus } from "node:os";
import { runCabinBench } from "./cabin.bench.js";
import { runGroundBench } from "./ground.bench.js";
import { runPassengerLoadBench } from "./passenger-load.bench.js";
import { runProtocolBench } from "./protocol.bench.js";
import { runQrBench } from "./qr.bench.js";
import { runTerminalBench } from "./terminal.bench.js";
import { runTerminalStartBench } from "./terminal-start.bench.js";

const durationMs = Number(process.env["BENCH_DURATION_MS"] ?? 2000);
if (!Number.isInteger(durationMs) || durationMs < 100 || durationMs > 60_000) {
  console.error("BENCH_DURATION_MS must be a whole number of milliseconds from 100 to 60000");
  process.exit(2);
}
console.log(
  `CabinPay benchmarks · node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"} · ${durationMs} ms per figure`,
);
const options = { warmupMs: Math.min(500, durationMs / 4), durationMs };
runProtocolBench(options);
runQrBench({ codesPerKind: 40 });
runCabinBench();
await runTerminalBench();
await runTerminalStartBench();
await runGroundBench("postgres");
await runGroundBench("pglite");
await runPassengerLoadBench();
process.exit(0);
