/**
 * The passenger's phone as an offline wallet, end to end in real Chromium (issue 19): a phone (its
 * own browser profile) signs up on the real ground's pages and registers, its key made by WebCrypto;
 * the crew UI (another Chromium, over the real terminal core) takes its live code, declines the same
 * code again and a code two minutes old, with what to do; each approval shows a signed receipt. The
 * phone scans both receipts with its camera (Chromium's fake camera playing the terminal's receipt
 * QR codes as drawn), lists them with what the voucher has left, also in flight mode. The terminal
 * is then lost with its second sale: the statement shows the first, the phone sends the second's
 * receipt as evidence, and finance sees it. Screenshots in both languages; axe on the pages.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStaffUser } from "@cabinpay/ground-settlement/internal/services/staff";
import { bearer, call, DEPARTURE_MS, staffKeys } from "@cabinpay/ground-settlement/testing/actors";
import { buildWebPages, launchPhone } from "@cabinpay/ground-settlement/testing/browser";
import { decodeRotatingCode } from "@cabinpay/shared";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTerminalHost, type TerminalHost } from "../src/host/terminal-host.js";
import { buildRenderer, launchChromium } from "./support/browser.js";
import { codesVideo } from "./support/camera.js";
import { tempDir } from "./support/fixtures.js";
import { type GroundWithFlight, groundWithFlight } from "./support/ground.js";

const SCREENSHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
const AXE = readFileSync(fileURLToPath(import.meta.resolve("axe-core/axe.min.js")), "utf8");
/** Registered three hours before departure; the ground's clock runs in real time from there. */
const START_MS = DEPARTURE_MS - 3 * 3_600_000;
const PASSWORD = "a long enough password";

describe("the phone as an offline wallet, with the crew UI, in Chromium", () => {
  let ground: GroundWithFlight;
  let terminal: TerminalHost;
  let crew: Browser;
  let phone: BrowserContext | undefined;
  const phoneProfile = tempDir();
  let voucherPath: string;
  const receipts: string[] = [];

  beforeAll(async () => {
    // One build at a time: each sets NODE_ENV for its run.
    const webDir = await buildWebPages();
    const rendererDir = await buildRenderer();
    ground = await groundWithFlight({ capMinor: 60_000, seat: "23K" }, { webDir });
    runsFrom(ground.t.clock, START_MS);
    terminal = await startTerminalHost({ dataDir: tempDir(), now: () => ground.t.clock.nowMs, rendererDir });
    crew = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await phone?.close();
    await crew?.close();
    await terminal?.close();
    await ground?.t.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const axe = async (page: Page): Promise<string[]> => {
    await page.addScriptTag({ content: AXE });
    return (await page.evaluate("axe.run('body').then((r) => r.violations.map((v) => v.id))")) as string[];
  };
  const liveCode = async (page: Page) => (await page.getAttribute('[data-testid="live-code"]', "data-code"))!;

  it("registers with the phone's key, pays with its live code, and declines a replayed and a stale code", async () => {
    phone = await launchPhone(phoneProfile);
    const page = await phone.newPage();
    await signUpAndRegister(page);
    voucherPath = new URL(page.url()).pathname;
    await terminal.core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode() });
    await terminal.core["manifest/load-assigned"]({});

    const tablet = await crew.newPage({ viewport: { width: 1280, height: 800 } });
    await tablet.goto(terminal.url);
    await tablet.click('[data-crew="C1002"]');
    await tablet.keyboard.type("1357");
    await tablet.keyboard.press("Enter");
    await tablet.waitForSelector('[data-screen="sell"]');
    const charge = async (sku: string, code: string) => {
      await tablet.click(`[data-sku="${sku}"]`);
      await tablet.click('[data-testid="charge"]');
      await tablet.waitForSelector('[data-screen="pay"]');
      await tablet.keyboard.type(code);
      await tablet.keyboard.press("Enter");
      await tablet.waitForSelector('[data-screen="approved"], [data-screen="declined"]', { timeout: 30_000 });
    };
    const done = () => tablet.click('[data-testid="done"]');

    const first = await liveCode(page);
    await charge("DR-COF-300", first);
    expect(await tablet.textContent('[data-testid="presented"]')).toBe("Paid with the live code on the passenger's phone.");
    receipts.push((await tablet.getAttribute('[data-testid="receipt-qr"]', "data-receipt"))!);
    // Drawn just after "approved" shows (choosing its mask must not delay the approval).
    await tablet.waitForSelector('[data-testid="receipt-image"]');
    await done();
    // The first sale reaches the ground; the terminal is lost before it uploads the second.
    expect((await terminal.core["sync/upload"]({})).accepted).toBe(1);

    // The same code again (a photo of the phone): declined, with what to do.
    await charge("ML-NOO-100", first);
    expect(await tablet.textContent('[data-testid="decline-reason"]')).toBe(
      "This code was already used. Ask the passenger to show the next code on the phone.",
    );
    // Back to the sale (the noodles still in it, now two), and the phone's next code pays.
    await tablet.click('[data-testid="done"]');
    await page.click('[data-testid="new-code"]');
    await expect.poll(() => liveCode(page)).not.toBe(first);
    await charge("ML-NOO-100", await liveCode(page));
    receipts.push((await tablet.getAttribute('[data-testid="receipt-qr"]', "data-receipt"))!);
    await done();

    // A code shown two minutes ago (a screenshot passed along): declined as out of date.
    await page.click('[data-testid="new-code"]');
    const stale = await liveCode(page);
    expect(decodeRotatingCode(stale).ok).toBe(true);
    runsFrom(ground.t.clock, ground.t.clock.nowMs + 120_000);
    await charge("DR-COF-300", stale);
    expect(await tablet.textContent('[data-testid="decline-reason"]')).toMatch(/^This code is old \(a photo or a stale screen\)\./);
    await shot(tablet, "19-live-code-out-of-date");
    await tablet.close();
    await phone.close();
    phone = undefined;
  });

  it("scans both receipts with the phone's camera in flight mode and lists them with the cap left", async () => {
    const video = join(tempDir(), "receipts.y4m");
    // The tablet's screen held to the phone: each receipt as the terminal draws it, in turn.
    codesVideo(receipts, video, { width: 960, height: 720 }, 45);
    phone = await launchPhone(phoneProfile, { cameraVideo: video });
    const page = await phone.newPage();
    await page.goto(`${ground.groundUrl}${voucherPath}`);
    await page.waitForSelector('[data-testid="receipts"]');
    // In the air: the camera code was fetched once the page was idle, and kept; no connection now.
    await page.waitForLoadState("networkidle");
    await phone.setOffline(true);
    for (let kept = 1; kept <= 2; kept++) {
      await page.click('[data-testid="scan-receipt"]');
      await page.waitForSelector(`[data-testid="receipts"] li:nth-child(${kept})`, { timeout: 30_000 });
    }
    await phone.setOffline(false);
    expect(await page.locator('[data-testid="receipts"] li').count()).toBe(2);
    const list = (await page.textContent('[data-testid="receipts"] ul'))!;
    expect(list).toContain("Purchase · CN¥20.00");
    expect(list).toContain("1 × Hot Coffee");
    expect(list).toContain("2 × Braised Beef Noodles");
    expect(list).toContain("from Trolley A");
    expect(await page.textContent('[data-testid="cap-left"] strong')).toBe("Left to spend: CN¥184.00");
    expect(await axe(page)).toEqual([]);
    await shot(page, "web-20-receipts");
    await page.click('[data-testid="language"]');
    await expect.poll(() => page.textContent('[data-testid="cap-left"] strong')).toBe("还可消费：¥184.00");
    expect(await page.textContent('[data-testid="receipt-message"]')).toBe("收据已核验并保存。");
    await shot(page, "web-20-receipts-zh");
    await page.click('[data-testid="language"]');
    // Flight mode: the page, the receipts and what they are checked with are all on the phone.
    await phone.setOffline(true);
    await page.reload();
    await expect.poll(() => page.locator('[data-testid="receipts"] li').count(), { timeout: 15_000 }).toBe(2);
    await phone.setOffline(false);
  });

  it("after landing, matches the statement, sends the lost sale's receipt, and finance sees it", async () => {
    const page = await phone!.newPage();
    await page.goto(`${ground.groundUrl}/app/passenger/statement`);
    await page.waitForSelector('[data-testid="witness"] li[data-match]', { timeout: 30_000 });
    expect(await page.getAttribute('[data-testid="witness"] li', "data-match")).toBe("missing");
    expect(await page.textContent('[data-testid="witness"] li')).toContain("The airline never received this from the aircraft.");
    expect(await axe(page)).toEqual([]);
    await shot(page, "web-21-statement-witness");

    const { ops } = await staffKeys(ground.t);
    await createStaffUser(ground.t.db, {
      email: "finance@airline.example",
      displayName: "Finance Desk",
      role: "finance",
      password: PASSWORD,
      nowMs: ground.t.clock.nowMs,
      costLog2N: 10,
    });
    const reports = (await call(ground.t.app, { method: "GET", url: "/finance/receipt-reports", headers: bearer(ops) }, 200)).json();
    expect(reports.reports.map((r: { match: string; totalMinor: number }) => [r.match, r.totalMinor])).toEqual([["missing", 9_600]]);
    const desk = await crew.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    await desk.goto(`${ground.groundUrl}/app/finance/attention`);
    await desk.fill('form[data-form="staff-login"] input[name="email"]', "finance@airline.example");
    await desk.fill('form[data-form="staff-login"] input[name="password"]', PASSWORD);
    await desk.click('form[data-form="staff-login"] button[type="submit"]');
    await desk.waitForSelector('[data-testid="receipt-reports"] li');
    expect(await desk.textContent('[data-testid="receipt-reports"] li')).toContain("Never received");
    expect(await axe(desk)).toEqual([]);
    await shot(desk, "web-22-finance-receipt-reports");
  });

  /** The passenger signs up on the phone, is funded by ops, and registers for the flight with this phone's key. */
  async function signUpAndRegister(page: Page): Promise<void> {
    const email = `wu.fang-${Date.now()}@example.com`;
    await page.goto(`${ground.groundUrl}/app/passenger`);
    await page.click('[data-testid="switch-mode"]');
    await page.fill('input[name="displayName"]', "WU/FANG MS");
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForSelector("text=Your vouchers");
    const { ops } = await staffKeys(ground.t);
    const url = `/ops/passengers?email=${encodeURIComponent(email)}`;
    const { passengerId } = (await call(ground.t.app, { method: "GET", url, headers: bearer(ops) }, 200)).json();
    const payload = { transferId: crypto.randomUUID(), passengerId, currency: "CNY", amountMinor: 50_000 };
    await call(ground.t.app, { method: "POST", url: "/ops/wallets/fund", headers: bearer(ops), payload }, 200);
    await page.reload();
    await page.waitForSelector("text=Your vouchers");
    await page.click('a[href="/app/passenger/register"]');
    await page.fill('input[name="carrier"]', "9C");
    await page.fill('input[name="number"]', "8850");
    await page.fill('input[name="date"]', "2026-12-01");
    await page.click('form[data-form="find-flight"] button[type="submit"]');
    await page.waitForSelector('form[data-form="register"]');
    await page.fill('input[name="cap"]', "300");
    await page.fill('input[name="seat"]', "31C");
    await page.click('[data-testid="review"]');
    await page.click('[data-testid="confirm-register"]');
    await page.waitForSelector('[data-page="voucher"] [data-testid="live-code"]');
  }
});

/** Makes the test's ground clock run in real time from `startMs`: phones and terminals read it as time passes. */
function runsFrom(clock: { nowMs: number }, startMs: number): void {
  const realStartMs = Date.now();
  Object.defineProperty(clock, "nowMs", {
    configurable: true,
    get: () => startMs + (Date.now() - realStartMs),
    set: (ms: number) => runsFrom(clock, ms),
  });
}
