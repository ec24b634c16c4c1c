#!/usr/bin/env node
// `npm run terminal`: the crew terminal. Electron when its runtime is installed (the `electron`
// package downloads it on install where the network allows), otherwise the browser host on
// http://127.0.0.1:4310. Says which, and where. Run after `npm run build` (the root script does).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
if (!existsSync(`${dist}renderer/index.html`) || !existsSync(`${dist}host/main.js`)) {
  console.error("The terminal is not built: run `npm run build` first (or `npm run terminal` from the repository root, which builds).");
  process.exit(2);
}
const passThrough = process.argv.slice(2);

let electronBinary;
try {
  // The package exports the runtime's path, and throws when the runtime was not downloaded.
  electronBinary = createRequire(import.meta.url)("electron");
} catch {
  electronBinary = undefined;
}
let child;
if (typeof electronBinary === "string" && existsSync(electronBinary)) {
  console.log(`Starting the Electron app (${electronBinary})`);
  child = spawn(electronBinary, [`${dist}main/main.js`, ...passThrough], { stdio: "inherit" });
} else {
  console.log("Electron's runtime is not installed here: starting the browser host instead. Open the URL it prints in Chromium or Chrome.");
  child = spawn(process.execPath, [`${dist}host/main.js`, ...passThrough], { stdio: "inherit" });
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
