/**
 * Real Chromium for the crew UI's tests (Debian's `chromium`, driven by playwright-core), and the
 * renderer built by Vite into a temporary folder, so the tests need no earlier build.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { build } from "vite";
import { tempDir } from "./fixtures.js";

export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export async function launchChromium(options: { cameraVideo?: string } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH). .ci/run installs it.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // A camera that needs no permission prompt; with a file, it plays that file.
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      ...(options.cameraVideo === undefined ? [] : [`--use-file-for-fake-video-capture=${options.cameraVideo}`]),
    ],
  });
}

/** Builds the crew UI from source, as `npm run build` does, into a fresh folder. */
export async function buildRenderer(): Promise<string> {
  const outDir = join(tempDir(), "renderer");
  // What crew get: React's production build. Vitest sets NODE_ENV=test, which Vite and the React
  // plugin would follow into a development build.
  const nodeEnv = process.env["NODE_ENV"];
  process.env["NODE_ENV"] = "production";
  try {
    await build({
      configFile: fileURLToPath(new URL("../../vite.config.ts", import.meta.url)),
      mode: "production",
      logLevel: "warn",
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env["NODE_ENV"];
    else process.env["NODE_ENV"] = nodeEnv;
  }
  return outDir;
}
