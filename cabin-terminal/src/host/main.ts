#!/usr/bin/env node
/**
 * The browser host executable (core process): one terminal core on a data directory, its crew UI
 * at a loopback URL. `npm run terminal` starts this when Electron's runtime is not installed.
 *
 *   node cabin-terminal/dist/host/main.js [--data-dir DIR] [--port N]
 */
import { parseArgs } from "node:util";
import { TerminalError } from "../core/errors.js";
import { AUTO_UPLOAD_EVERY_MS } from "../core/ground/policies.js";
import { cabinConfigFromEnv } from "../core/sync/cabin-config.js";
import { startTerminalHost, type TerminalHost } from "./terminal-host.js";

const { values } = parseArgs({
  options: { "data-dir": { type: "string" }, port: { type: "string" } },
  strict: true,
});
const port = Number(values.port ?? 4310);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write("--port must be a port number (0 to 65535)\n");
  process.exit(2);
}
const dataDir = values["data-dir"] ?? process.env["CABINPAY_TERMINAL_DIR"] ?? ".cabinpay/terminal";
const log = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

let terminal: TerminalHost;
try {
  // Unsent records go up by themselves once the ground answers: nobody has to remember after landing.
  // Cabin sync with the other trolleys when CABINPAY_CABIN_LISTEN / _PEERS say where (docs/terminal.md).
  const cabin = cabinConfigFromEnv(process.env);
  terminal = await startTerminalHost({
    dataDir,
    port,
    log,
    autoUploadEveryMs: AUTO_UPLOAD_EVERY_MS,
    ...(cabin === undefined ? {} : { cabin }),
  });
} catch (error) {
  if (!(error instanceof TerminalError)) throw error;
  process.stderr.write(`${error.code}: ${error.message}\n`);
  process.exit(3);
}
log({ level: "info", msg: `CabinPay terminal (browser host): open ${terminal.url} in a browser`, dataDir });

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void terminal.close().then(() => process.exit(0));
  });
}
