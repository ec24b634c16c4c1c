#!/usr/bin/env node
// `npm test`: runs every workspace's tests through Turborepo, then prints one closing line summed
// over all of them ("tests: N passed, N failed, N skipped") and exits with the runs' status.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const resultsDir = join(root, ".test-results");
rmSync(resultsDir, { recursive: true, force: true });

// Two lanes at once, on a 2-core machine: much of a suite is waiting (servers starting, pages
// loading), and one suite at a time a clean run took 22 minutes, past CI's 20. The ground's suite,
// the longest, has a lane of its own; the other lane runs the protocol's, the terminal's and then
// the end-to-end suite, which so starts only when the ground's is in its last minute or two (its
// fault tests kill and starve processes; beside the ground's suite they passed in repeated runs,
// docs/performance.md, issue 21's sixth pass). Every test has its own database, queue prefix and
// ports. Arguments of its own (`npm test -- --filter=…`) make one run, one package at a time:
// turbo joins filters, so they would widen the lanes instead of narrowing them.
const turbo = (args) =>
  new Promise((resolve) => {
    const child = spawn("npx", ["turbo", "run", "test", ...args], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
    });
    child.on("error", () => resolve(1));
    child.on("exit", (code) => resolve(code ?? 1));
  });
/** Each package's suite in turn; every one runs even when an earlier one failed. */
const lane = async (packages) => {
  const statuses = [];
  for (const name of packages) statuses.push(await turbo(["--concurrency=1", `--filter=${name}`]));
  return statuses;
};
/** Every workspace with a test script, so that a new package's suite is never left out of a lane. */
const withTests = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
  .workspaces.map((folder) => JSON.parse(readFileSync(join(root, folder, "package.json"), "utf8")))
  .filter((pkg) => pkg.scripts?.test !== undefined)
  .map((pkg) => pkg.name);
const GROUND = "@cabinpay/ground-settlement";
const END_TO_END = "@cabinpay/test";
for (const name of [GROUND, END_TO_END]) if (!withTests.includes(name)) throw new Error(`no test script in ${name}`);
const asked = process.argv.slice(2);
const statuses = (
  asked.length > 0
    ? [[await turbo(["--concurrency=1", ...asked])]]
    : await Promise.all([lane([GROUND]), lane([...withTests.filter((name) => name !== GROUND && name !== END_TO_END), END_TO_END])])
).flat();
const run = { status: statuses.find((status) => status !== 0) ?? 0 };

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
