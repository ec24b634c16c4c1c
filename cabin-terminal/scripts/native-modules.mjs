#!/usr/bin/env node
// Rebuilds the terminal's native module (better-sqlite3) for the runtime that will load it:
//   node cabin-terminal/scripts/native-modules.mjs electron   before running or packaging the app
//   node cabin-terminal/scripts/native-modules.mjs node       back to Node's ABI (the CLI, the browser host, the tests)
// Electron's build needs its headers from https://electronjs.org/headers (a network this
// project's build machine does not have); Node's needs the headers Node ships with.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const target = process.argv[2];
if (target !== "electron" && target !== "node") {
  console.error("usage: native-modules.mjs electron|node");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const env = { ...process.env };
if (target === "electron") {
  const { version } = JSON.parse(readFileSync(require.resolve("electron/package.json"), "utf8"));
  Object.assign(env, {
    npm_config_runtime: "electron",
    npm_config_target: version,
    npm_config_disturl: "https://electronjs.org/headers",
    npm_config_build_from_source: "true",
  });
  console.log(`rebuilding better-sqlite3 for Electron ${version}`);
} else {
  console.log(`rebuilding better-sqlite3 for Node ${process.version}`);
}
const result = spawnSync("npm", ["rebuild", "better-sqlite3"], { stdio: "inherit", env, shell: process.platform === "win32" });
process.exit(result.status ?? 1);
