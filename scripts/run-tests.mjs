#!/usr/bin/env node
// `npm test`: runs every workspace's tests through Turborepo, then prints one closing line summed
// over all of them ("tests: N passed, N failed, N skipped") and exits with the runs' status.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const resultsDir = join(root, ".test-results");
rmSync(resultsDir, { recursive: true, force: true });

// The packages' own suites two at a time: much of a suite is waiting (servers starting, pages
// loading), and one at a time a clean run took 22 minutes on a 2-core machine, past CI's 20. Every
// test has its own database, queue prefix and ports. The end-to-end suite runs alone afterwards:
// its fault tests kill and starve processes. (Beside another suite it once lost its API to a
// dropped database connection: an unhandled rejection, since fixed; docs/reliability.md.)
// Arguments of its own (`npm test -- --filter=…`) make one run, one package at a time: turbo
// joins filters, so they would widen the two runs instead of narrowing them.
const turbo = (args) =>
  spawnSync("npx", ["turbo", "run", "test", ...args], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
  });
const asked = process.argv.slice(2);
const runs =
  asked.length > 0
    ? [turbo(["--concurrency=1", ...asked])]
    : [turbo(["--concurrency=2", "--filter=!@cabinpay/test"]), turbo(["--concurrency=1", "--filter=@cabinpay/test"])];
const run = { status: runs.map((r) => r.status ?? 1).find((status) => status !== 0) ?? 0 };

let passed = 0;
let failed = 0;
let skipped = 0;
const files = existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith(".json")) : [];
for (const file of files) {
  const report = JSON.parse(readFileSync(join(resultsDir, file), "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
const status = run.status ?? 1;
if (files.length === 0) console.error("no test results were written: did any test run?");
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped (${files.length} packages)`);
process.exit(status !== 0 || files.length === 0 || failed > 0 ? Math.max(status, 1) : 0);
