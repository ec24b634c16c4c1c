/**
 * Scan-to-approved in the crew UI (`npm run bench:page`; docs/performance.md): real Chromium on the
 * browser host over the real terminal core, the flight loaded from the built ground (its API and
 * worker processes on this machine's PostgreSQL and Redis), all in real time. A hardware
 * scanner types the code and Enter; the page times, with `performance.now()`, from that Enter to
 * the approved screen in the DOM: for a printed voucher and for a phone's live code (a fresh code
 * each sale). Beside it, the floor: the core's `sale/charge` called directly, without page or HTTP.
 *
 *   npm run bench:page -- --sales 40
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startTerminalHost } from "@cabinpay/cabin-terminal/internal/host/terminal-host";
import { buildPages, launchChromium } from "@cabinpay/ground-settlement/testing/browser";
import { createPortableDeviceSigner, decodeVoucherText, makeRotatingCode } from "@cabinpay/shared";
import { groundApi, openFlight, registerPassengers } from "../support/flight.js";
import { startGroundProcesses } from "../support/ground-processes.js";

const { values } = parseArgs({ options: { sales: { type: "string", default: "40" } }, strict: true });
const SALES = Number(values.sales);
if (!Number.isInteger(SALES) || SALES < 5 || SALES > 500) {
  console.error("--sales must be a whole number from 5 to 500");
  process.exit(2);
}
const WARMUP = 5;
/** Spread over the trolley's drinks and snacks so no item runs out (a trolley holds 40 to 96 of each). */
const SKUS = ["DR-COF-300", "DR-TEA-301", "DR-WAT-304", "SN-NUT-200", "SN-CHP-201", "DR-JUI-303"] as const;
let sold = 0;
const nextSku = () => SKUS[sold++ % SKUS.length]!;

// The built ground (API and worker processes) on this machine's PostgreSQL and Redis, in real time.
const ground = await startGroundProcesses({
  postgresUrl: process.env["DATABASE_URL"] ?? "postgresql://postgres@127.0.0.1:5432/postgres",
  redisUrl: process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379",
});
const api = groundApi(ground.url);
const flight = await openFlight(api, ground.opsKey, "8850");
const [printedPassenger] = await registerPassengers(api, ground.opsKey, flight.flightId, 1, () => ({
  fundedMinor: 200_000,
  capMinor: 200_000,
}));
const printed = printedPassenger!.voucherText;
// A passenger registering from the app: the voucher bound to the phone's key.
const phone = createPortableDeviceSigner();
const session = await api("POST", "/passengers", {
  body: { email: `phone-${flight.flightId.slice(-12)}@e2e.example`, password: "correct horse battery staple", displayName: "PHONE/PAX MS" },
});
await api("POST", "/ops/wallets/fund", {
  token: ground.opsKey,
  body: { transferId: crypto.randomUUID(), passengerId: session.passengerId, currency: "CNY", amountMinor: 200_000 },
});
const registration = await api("POST", "/registrations", {
  token: session.token,
  body: { flightId: flight.flightId, capMinor: 200_000, devicePublicKey: Buffer.from(phone.publicKey).toString("base64url") },
});
const bound = decodeVoucherText(registration.voucherText);
if (!bound.ok) throw new Error(bound.detail);
let counter = 0;
/** The phone's code of this moment, as its screen shows it (a fresh counter each sale). */
const liveCode = () => makeRotatingCode(bound.bytes, { nowMs: Date.now(), periodS: 30, counter: ++counter }, phone);

const rendererDir = await buildPages(fileURLToPath(new URL("../../cabin-terminal/vite.config.ts", import.meta.url)));
const host = await startTerminalHost({ dataDir: mkdtempSync(join(tmpdir(), "cabinpay-bench-page-")), rendererDir });
const { code } = await api("POST", "/ops/enrolment-codes", {
  token: ground.opsKey,
  body: { name: "Trolley A", flightId: flight.flightId, trolleyId: "A" },
});
await host.core["enrolment/enrol"]({ groundUrl: ground.url, code });
await host.core["manifest/load-assigned"]({});
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(host.url);
await page.click('[data-crew="C1002"]');
await page.keyboard.type("1357");
await page.keyboard.press("Enter");
await page.waitForSelector('[data-screen="sell"]');
// The page's own clock: from the scanner's Enter to the approved screen in the DOM.
await page.evaluate(`
  addEventListener("keydown", (e) => { if (e.key === "Enter") window.__scanAt = performance.now(); }, true);
  new MutationObserver(() => {
    if (window.__scanAt !== undefined && window.__approvedAt === undefined && document.querySelector('[data-screen="approved"]'))
      window.__approvedAt = performance.now();
  }).observe(document.body, { childList: true, subtree: true });
`);

const inPage = async (scan: () => Promise<string>) => {
  const samples: number[] = [];
  for (let i = 0; i < SALES + WARMUP; i++) {
    const text = await scan();
    await page.click(`[data-sku="${nextSku()}"]`);
    await page.click('[data-testid="charge"]');
    await page.waitForSelector('[data-screen="pay"]');
    await page.evaluate("window.__scanAt = undefined; window.__approvedAt = undefined;");
    await page.keyboard.type(text);
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-screen="approved"], [data-screen="declined"]');
    if (await page.isVisible('[data-screen="declined"]'))
      throw new Error(`declined: ${await page.textContent('[data-testid="decline-reason"]')}`);
    const ms = (await page.evaluate("window.__approvedAt - window.__scanAt")) as number;
    if (i >= WARMUP) samples.push(ms); // the first few warm the page and the core
    await page.click('[data-testid="done"]');
  }
  return samples;
};
const printedSamples = await inPage(async () => printed);
const codeSamples = await inPage(liveCode);

// The floor: the core alone, the same sale.
await host.core["crew/login"]({ crewId: "C1002", pin: "1357" });
const direct: number[] = [];
for (let i = 0; i < SALES; i++) {
  await host.core["cart/add"]({ sku: nextSku() });
  const start = performance.now();
  const result = await host.core["sale/charge"]({ voucherText: printed });
  direct.push(performance.now() - start);
  if (!result.ok) throw new Error(`bench sale declined: ${result.reason}`);
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const row = (name: string, samples: number[]) =>
  console.log(`${name.padEnd(52)}${percentile(samples, 50).toFixed(1).padStart(8)}${percentile(samples, 95).toFixed(1).padStart(8)}`);
console.log(`\nScan to approved in the crew UI, ${SALES} sales each (ms)`);
console.log(`${"".padEnd(52)}${"p50".padStart(8)}${"p95".padStart(8)}`);
row("floor: sale/charge on the core, printed voucher", direct);
row("in the page: printed voucher", printedSamples);
row("in the page: phone's live code", codeSamples);

await browser.close();
await host.close();
await ground.stop();
process.exit(0);
