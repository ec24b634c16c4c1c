/**
 * Real Chromium for the tests of the pages (Debian's `chromium`, driven by playwright-core), and
 * Vite builds of those pages into temporary folders, so the tests need no earlier build. Used by
 * the ground's web pages and the cabin terminal's crew UI alike.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import { build } from "vite";

export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export async function launchChromium(options: { cameraVideo?: string } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs(options) });
}

/**
 * A phone's browser with its own profile folder: what it keeps (its key in IndexedDB, its
 * receipts) is still there when it is launched again, with another camera video say.
 */
export async function launchPhone(profileDir: string, options: { cameraVideo?: string } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath(),
    args: chromiumArgs(options),
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    bypassCSP: true,
  });
}

/** The ground's web pages built from source into a fresh folder (for WEB_DIR). */
export function buildWebPages(): Promise<string> {
  return buildPages(fileURLToPath(new URL("../../vite.config.ts", import.meta.url)));
}

function chromiumPath(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH). .ci/run installs it.`);
  }
  return CHROMIUM;
}

function chromiumArgs(options: { cameraVideo?: string }): string[] {
  return [
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
  ];
}

/** Builds pages from source with their Vite config, as `npm run build` does, into a fresh folder. */
export async function buildPages(configFile: string): Promise<string> {
  const outDir = join(mkdtempSync(join(tmpdir(), "cabinpay-pages-")), "dist");
  // What users get: React's production build. Vitest sets NODE_ENV=test, which Vite and the React
  // plugin would follow into a development build.
  const nodeEnv = process.env["NODE_ENV"];
  process.env["NODE_ENV"] = "production";
  try {
    await build({ configFile, mode: "production", logLevel: "warn", build: { outDir, emptyOutDir: true } });
  } finally {
    if (nodeEnv === undefined) delete process.env["NODE_ENV"];
    else process.env["NODE_ENV"] = nodeEnv;
  }
  return outDir;
}
