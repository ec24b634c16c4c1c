/**
 * The passenger's voucher page as a phone at the gate loads it: real Chromium against the built
 * ground (its API and worker processes on this machine's PostgreSQL and Redis), the passenger
 * signed in (the web session's cookie), nothing cached. Timed in the page, from the navigation's
 * start to the voucher's QR code shown (`performance.now()` when the code's picture is there):
 * - first load under Chromium's "Slow 3G" (DevTools' preset: 2,000 ms a request, 50 kB/s each
 *   way), a fresh browser context each run;
 * - the repeat load in flight mode: the page opened once online (the service worker keeps it),
 *   then the phone offline and the page opened again.
 * Beside them, the JavaScript the first load fetches (gzip), from the network log.
 */
import { gzipSync } from "node:zlib";
import { launchChromium } from "@cabinpay/ground-settlement/testing/browser";
import type { BrowserContext, Page, Response } from "playwright-core";
import { groundApi, openFlight, registerPassengers } from "../support/flight.js";
import { startGroundProcesses } from "../support/ground-processes.js";

// The page's globals, as far as the functions run in it below read them (this package has no DOM types).
interface PageImage {
  readonly complete: boolean;
  readonly naturalWidth: number;
}
declare const document: { querySelector(selector: string): PageImage | null; getElementById(id: string): object | null };
declare const navigator: { serviceWorker: { ready: Promise<unknown> } };

const RUNS = 3;
/** Chromium DevTools' "Slow 3G": 400 ms round trip × 5 and 500 kbit/s × 0.8, as the preset sets them. */
const SLOW_3G = { offline: false, latency: 2_000, downloadThroughput: 50_000, uploadThroughput: 50_000 } as const;
const FIRST_LOAD_TARGET_MS = 4_000;
const OFFLINE_REPEAT_TARGET_MS = 500;
const JAVASCRIPT_TARGET_KB = 120;

/** In the page: when the voucher's QR code can be seen (the server's picture, or the app's once loaded). */
function qrShownAtMs(): number | false {
  if (document.querySelector("#first-paint svg")) return performance.now();
  const img = document.querySelector('img[data-testid="voucher-qr"]');
  return img?.complete && img.naturalWidth > 0 ? performance.now() : false;
}

export async function runPassengerLoadBench(): Promise<void> {
  const ground = await startGroundProcesses({
    postgresUrl: process.env["DATABASE_URL"] ?? "postgresql://postgres@127.0.0.1:5432/postgres",
    redisUrl: process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379",
  });
  const browser = await launchChromium();
  try {
    const api = groundApi(ground.url);
    const flight = await openFlight(api, ground.opsKey, "8850");
    const [passenger] = await registerPassengers(api, ground.opsKey, flight.flightId, 1, () => ({
      fundedMinor: 200_000,
      capMinor: 200_000,
    }));
    const voucherUrl = `${ground.url}/app/passenger/vouchers/${passenger!.voucherId}`;
    const signedIn = async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
      const login = await context.request.post(`${ground.url}/web/session`, {
        data: { email: `pax1-${flight.flightId.slice(-12)}@e2e.example`, password: "correct horse battery staple" },
      });
      if (!login.ok()) throw new Error(`log-in failed: ${login.status()}`);
      return context;
    };
    const firstMs: number[] = [];
    const offlineMs: number[] = [];
    let javascriptBytes = 0;
    for (let run = 0; run < RUNS; run++) {
      const context = await signedIn();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", SLOW_3G);
      const scripts = collectScripts(page);
      firstMs.push(await shownAfterLoading(page, voucherUrl));
      javascriptBytes = await scripts.gzipBytes();
      await cdp.send("Network.emulateNetworkConditions", { ...SLOW_3G, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      offlineMs.push(await offlineRepeatMs(context, page, voucherUrl));
      await context.close();
    }
    printPageTable([
      ["JavaScript of the first load, KB gzip", [javascriptBytes / 1000], `≤ ${JAVASCRIPT_TARGET_KB}`],
      ["first load to the voucher, Slow 3G, ms", firstMs, `≤ ${FIRST_LOAD_TARGET_MS.toLocaleString("en-US")}`],
      ["repeat load offline to the voucher, ms", offlineMs, `≤ ${OFFLINE_REPEAT_TARGET_MS}`],
    ]);
  } finally {
    await browser.close();
    await ground.stop();
  }
}

async function shownAfterLoading(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: "commit", timeout: 60_000 });
  return (await (await page.waitForFunction(qrShownAtMs, undefined, { polling: "raf", timeout: 60_000 })).jsonValue()) as number;
}

/** Opened once online so the service worker controls the page and keeps it; then offline, opened again. */
async function offlineRepeatMs(context: BrowserContext, page: Page, url: string): Promise<number> {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload({ waitUntil: "networkidle" });
  await appShowsVoucher(page);
  await context.setOffline(true);
  const ms = await shownAfterLoading(page, url);
  await context.setOffline(false);
  return ms;
}

/** The JavaScript the page fetched, gzip-compressed as a server would send it. */
function collectScripts(page: Page) {
  const bodies: Promise<Buffer>[] = [];
  const collect = (response: Response) => {
    if (response.request().resourceType() === "script") bodies.push(response.body());
  };
  page.on("response", collect);
  return {
    /** Once the app shows the voucher itself: every script of the first load has been fetched. */
    gzipBytes: async () => {
      await appShowsVoucher(page);
      page.off("response", collect);
      return (await Promise.all(bodies)).reduce((sum, body) => sum + gzipSync(body).length, 0);
    },
  };
}

function appShowsVoucher(page: Page) {
  return page.waitForFunction(
    () => document.getElementById("first-paint") === null && document.querySelector('img[data-testid="voucher-qr"]')?.complete === true,
    undefined,
    { timeout: 60_000 },
  );
}

function printPageTable(rows: readonly [string, readonly number[], string][]): void {
  const format = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log(`\nPassenger's voucher page in Chromium (${RUNS} runs; min · median · max)`);
  console.log(`${"".padEnd(44)}${"min".padStart(8)}${"median".padStart(8)}${"max".padStart(8)}  target`);
  for (const [name, values, target] of rows) {
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const cells = name.includes("KB")
      ? [sorted[0]!.toFixed(1), median.toFixed(1), sorted.at(-1)!.toFixed(1)]
      : [sorted[0]!, median, sorted.at(-1)!].map(format);
    console.log(`${name.padEnd(44)}${cells.map((c) => c.padStart(8)).join("")}  ${target}`);
  }
}
