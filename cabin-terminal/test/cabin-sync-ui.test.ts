/**
 * Cabin sync on the crew screen, in Chromium through the browser host, on a flight whose ops chose
 * `share`: trolley A's status bar says trolley B is in touch once they talk; when B falls silent
 * for minutes, A's screen says so and what it means, and a sale then says what A may still approve
 * for the passenger on its own; with no network at all, B's counts reach A through B's loop of QR
 * codes scanned on A. Screenshots in both languages; axe on the screen.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEPARTURE_MS } from "@cabinpay/ground-settlement/testing/actors";
import { freePort } from "@cabinpay/shared/node";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTerminalCore, type TerminalCore } from "../src/core/api.js";
import { startTerminalHost, type TerminalHost } from "../src/host/terminal-host.js";
import { buildRenderer, launchChromium } from "./support/browser.js";
import { tempDir } from "./support/fixtures.js";
import { type GroundWithFlight, groundWithFlight } from "./support/ground.js";

const SCREENSHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
const AXE = readFileSync(fileURLToPath(import.meta.resolve("axe-core/axe.min.js")), "utf8");
const IN_FLIGHT_MS = DEPARTURE_MS + 3_600_000;

describe("cabin sync on the crew screen in Chromium", () => {
  let ground: GroundWithFlight;
  let hostA: TerminalHost;
  let coreB: TerminalCore | undefined;
  const dirB = tempDir();
  let browser: Browser;

  beforeAll(async () => {
    ground = await groundWithFlight({ capMinor: 10_000, seat: "12C" }, { spendPolicy: "share" });
    const [portA, portB] = [await freePort(), await freePort()];
    const cabin = (port: number, peer: number) => ({
      listen: { host: "127.0.0.1", port },
      peers: [`http://127.0.0.1:${peer}`],
      everyMs: 200,
    });
    hostA = await startTerminalHost({
      dataDir: tempDir(),
      now: () => ground.t.clock.nowMs,
      rendererDir: await buildRenderer(),
      cabin: cabin(portA, portB),
    });
    coreB = createTerminalCore({ dataDir: dirB, now: () => ground.t.clock.nowMs, cabin: cabin(portB, portA) });
    ground.t.clock.nowMs = DEPARTURE_MS - 3_600_000;
    const both = [
      [hostA.core, "A"],
      [coreB, "B"],
    ] as const;
    // Both trolleys get their terminals before either loads: each manifest names the other.
    for (const [core, trolley] of both)
      await core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode(trolley) });
    for (const [core] of both) await core["manifest/load-assigned"]({});
    ground.t.clock.nowMs = IN_FLIGHT_MS;
    await coreB["crew/login"]({ crewId: "C1002", pin: "1357" });
    await coreB["cart/add"]({ sku: "DR-COF-300" });
    expect((await coreB["sale/charge"]({ voucherText: ground.voucherText })).ok).toBe(true);
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await coreB?.close();
    await hostA?.close();
    await ground?.t.close();
  });

  const axe = async (page: Page): Promise<string[]> => {
    await page.addScriptTag({ content: AXE });
    return (await page.evaluate("axe.run('body').then((r) => r.violations.map((v) => v.id))")) as string[];
  };

  it("says the other trolley is in touch, and when it has been quiet too long what that means", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(hostA.url);
    await page.click('[data-crew="C1002"]');
    await page.keyboard.type("1357");
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-screen="sell"]');
    await expect.poll(() => page.textContent('[data-testid="cabin-sync"]'), { timeout: 15_000 }).toBe("Trolley B: in touch");
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "20-cabin-in-touch.png") });
    // B goes quiet (out of reach); five minutes pass.
    await coreB!.close();
    coreB = undefined;
    ground.t.clock.nowMs = IN_FLIGHT_MS + 5 * 60_000;
    await expect.poll(() => page.textContent('[data-testid="cabin-sync"]'), { timeout: 15_000 }).toBe("Trolley B: heard 5 min ago");
    expect(await page.getAttribute('[data-testid="cabin-sync"]', "data-quiet")).toBe("true");
    expect(await page.textContent('[data-testid="cabin-quiet"]')).toContain("Not heard from Trolley B for a while");
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "20-cabin-quiet.png") });
    await page.click('[data-testid="language"]');
    await expect.poll(() => page.textContent('[data-testid="cabin-sync"]')).toBe("Trolley B：5 分钟前同步");
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "20-cabin-quiet-zh.png") });
    await page.click('[data-testid="language"]');
    // Apart on a `share` flight: B spent 20.00 of 100.00 when they last talked; A's share is 40.00.
    expect(await page.textContent('[data-testid="cabin-share"]')).toBe("Apart: each trolley sells its share of a voucher");
    await page.click('[data-sku="DR-COF-300"]');
    await page.click('[data-testid="charge"]');
    await page.waitForSelector('[data-screen="pay"]');
    await page.keyboard.type(ground.voucherText);
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-screen="approved"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="apart"]')).toMatch(/this trolley may approve up to .*20\.00 more for this passenger/);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "20-cabin-apart-share.png") });
    await page.click('[data-testid="language"]');
    expect(await page.textContent('[data-testid="apart"]')).toMatch(/本餐车最多还可为该旅客批准 .*20\.00/);
    await page.screenshot({ path: join(SCREENSHOTS, "20-cabin-apart-share-zh.png") });
    await context.close();
  });

  it("takes the other trolley's counts from its loop of QR codes when there is no network", async () => {
    // B back on, with no cabin network: it sells a water to the passenger, then shows its loop.
    const offline = createTerminalCore({ dataDir: dirB, now: () => ground.t.clock.nowMs });
    try {
      await offline["crew/login"]({ crewId: "C1002", pin: "1357" });
      await offline["cart/add"]({ sku: "DR-WAT-304" });
      expect((await offline["sale/charge"]({ voucherText: ground.voucherText })).ok).toBe(true);
      const { frames } = await offline["cabin/handoff-frames"]({});
      expect(frames.length).toBeGreaterThan(1);
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(hostA.url);
      await page.waitForSelector('[data-screen="sell"]');
      await page.click('[data-tab="sync"]');
      await page.click('[data-testid="handoff-show"]');
      await page.waitForSelector('[data-testid="handoff-code"] img');
      // A's scanner reads B's codes one by one (typed with Enter, as a scanner does).
      for (const [i, frame] of frames.entries()) {
        await page.fill('input[name="handoff"]', frame);
        await page.press('input[name="handoff"]', "Enter");
        const expected = i + 1 < frames.length ? `${i + 1} of ${frames.length} codes read: keep scanning` : "Counts taken from Trolley B.";
        await expect.poll(() => page.textContent('[data-testid="handoff-result"]')).toBe(expected);
      }
      await expect.poll(() => page.textContent('[data-testid="cabin-sync"]')).toBe("Trolley B: in touch");
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, "20-cabin-handoff.png"), fullPage: true });
      await page.click('[data-testid="language"]');
      expect(await page.textContent('[data-testid="handoff-result"]')).toBe("已计入 Trolley B 的计数。");
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, "20-cabin-handoff-zh.png"), fullPage: true });
      await context.close();
    } finally {
      await offline.close();
    }
  });
});
