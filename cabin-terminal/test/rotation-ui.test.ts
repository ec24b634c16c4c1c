/**
 * A rotation on the crew UI in real Chromium, through the browser host, against the real terminal
 * core and ground: the terminal enrolled for trolley A of a two-leg rotation loads both legs with
 * one button; the purser closes leg 1 with the seal number and opens leg 2, whose trolley starts
 * with what leg 1 left; leg 2 sells in HKD and a CNY voucher is debited at its rate. Screenshots go
 * to docs/screenshots/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEPARTURE_MS } from "@cabinpay/ground-settlement/testing/actors";
import axe from "axe-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTerminalHost, type TerminalHost } from "../src/host/terminal-host.js";
import { buildRenderer, launchChromium } from "./support/browser.js";
import { tempDir } from "./support/fixtures.js";
import { type GroundWithFlight, groundWithFlight } from "./support/ground.js";

const SCREENSHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));

describe("a rotation on the crew UI in Chromium", () => {
  let ground: GroundWithFlight;
  let terminal: TerminalHost;
  let browser: Browser;

  beforeAll(async () => {
    ground = await groundWithFlight({ capMinor: 60_000, seat: "23K", displayName: "ZHOU/MIN MS" }, { rotation: true });
    terminal = await startTerminalHost({ dataDir: tempDir(), now: () => ground.t.clock.nowMs, rendererDir: await buildRenderer() });
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await terminal?.close();
    await ground?.t.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  const pin = async (page: Page, digits: string) => {
    for (const digit of digits) await page.click(`[data-digit="${digit}"]`);
    await page.click('[data-testid="pin-ok"]');
  };

  it("loads both legs with one button, closes leg 1 with its seal and opens leg 2 with the stock left", async () => {
    await terminal.core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode() });
    // axe-core is injected as a script: past the page's CSP, for this check only.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    await page.goto(terminal.url);
    await page.waitForSelector('[data-screen="flight"]');
    await page.click('[data-testid="load-assigned"]');
    await page.waitForSelector('[data-screen="login"]');
    expect(await page.textContent('[data-testid="status-flight"]')).toContain("Leg 1 of 2");
    ground.t.clock.nowMs = DEPARTURE_MS + 3_600_000;
    await page.click('[data-crew="C1001"]');
    await pin(page, "2468");
    await page.waitForSelector('[data-screen="sell"]');
    await page.click('[data-sku="DF-CHO-040"]');
    await page.click('[data-testid="charge"]');
    await page.fill('[data-testid="typed-code"]', ground.voucherText);
    await page.click('form.typed button[type="submit"]');
    await page.waitForSelector('[data-screen="approved"]');
    await page.click('[data-testid="done"]');

    await page.click('[data-tab="report"]');
    await page.click('[data-testid="close-service"]');
    await page.fill('input[name="seal"]', "sl-40117");
    await page.click('[data-testid="confirm-close"]');
    await page.waitForSelector('[data-testid="next-leg"]');
    expect(await page.textContent('[data-testid="report-seals"]')).toContain("SL-40117");
    expect(await page.textContent('[data-testid="next-leg"]')).toContain("9C8851 · 1 Dec 2026: the trolley opens with what is left now.");
    await page.addScriptTag({ content: axe.source });
    const violations = (await page.evaluate(`axe.run('[data-testid="next-leg"]').then((r) => r.violations.map((v) => v.id))`)) as string[];
    expect(violations).toEqual([]);
    await page.evaluate("window.scrollTo(0, 0)");
    await shot(page, "13-rotation-next-leg");

    await page.fill('input[name="seal"]', "SL-40118");
    await page.click('[data-testid="open-next-leg"]');
    await page.waitForSelector('[data-screen="login"]');
    expect(await page.textContent('[data-testid="status-flight"]')).toContain("9C8851 · 1 Dec 2026 · Trolley A · Leg 2 of 2");
    await page.click('[data-crew="C1001"]');
    await pin(page, "2468");
    // Crew come back to the tab they left: the report, now of leg 2, with its opening seal.
    await page.waitForSelector('[data-screen="report"]');
    expect(await page.textContent('[data-testid="report-seals"]')).toContain("SL-40118");
    await page.click('[data-tab="sell"]');
    await page.waitForSelector('[data-screen="sell"]');
    // Leg 1 sold one of the 20 chocolate boxes on trolley A: 19 fly on.
    const left = await terminal.core["catalog/list"]({});
    expect(left.find((item) => item.sku === "DF-CHO-040")?.stockLeft).toBe(19);
    await page.click('[data-testid="language"]');
    await expect.poll(() => page.textContent('[data-testid="status-flight"]')).toContain("第 2 段，共 2 段");
    await shot(page, "14-rotation-leg-2-zh");

    // Leg 2 sells in HKD; the passenger's CNY voucher is debited in CNY at the leg's rate.
    await page.click('[data-testid="language"]');
    await page.click('[data-sku="DF-CHO-040"]');
    await page.click('[data-testid="charge"]');
    await page.fill('[data-testid="typed-code"]', ground.legTwoVoucherText!);
    await page.click('form.typed button[type="submit"]');
    await page.waitForSelector('[data-screen="approved"]');
    // HK$128.00 at 0.9123: CN¥116.77 of the CN¥300.00 cap.
    expect(await page.textContent('[data-testid="charged"]')).toBe(
      "Debited CN¥116.77 from the passenger's account, at 1 HKD = 0.9123 CNY (airline treasury)",
    );
    expect(await page.textContent('[data-testid="remaining"]')).toContain("CN¥183.23");
    await shot(page, "15-rotation-hkd-leg-approved");
    // On a phone, in Chinese: the same debit and rate, in words.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('[data-testid="language"]');
    await expect
      .poll(() => page.textContent('[data-testid="charged"]'))
      .toBe("从旅客账户扣款 ¥116.77，汇率 1 HKD = 0.9123 CNY（airline treasury）");
    await shot(page, "15-rotation-hkd-leg-approved-phone-zh");

    // A crew member voids with the purser's PIN typed on their own screen, and stays logged in.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.click('[data-testid="language"]');
    await page.click('[data-testid="done"]');
    await page.click('[data-testid="logout"]');
    await page.click('[data-crew="C1002"]');
    await page.keyboard.type("1357");
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-screen="sell"]');
    await page.click('[data-tab="sales"]');
    await page.click('[data-testid="void"]');
    await page.click('[data-testid="void-form"] input[value="changed_mind"]');
    await page.fill('[data-testid="purser-pin-input"]', "0000");
    await page.click('[data-testid="confirm-void"]');
    await expect.poll(() => page.textContent('[data-screen="sales"] [role="alert"]')).toContain("Wrong purser PIN");
    await page.click('[data-testid="void"]');
    await page.click('[data-testid="void-form"] input[value="changed_mind"]');
    await page.fill('[data-testid="purser-pin-input"]', "2468");
    expect(await page.textContent('[data-testid="purser-pin"]')).toContain("Li Na's PIN");
    await shot(page, "16-void-with-purser-pin");
    await page.click('[data-testid="confirm-void"]');
    await page.waitForSelector("li.voided");
    expect(await page.textContent('[data-testid="status-crew"]')).toContain("Wang Fang");
    await page.close();
  });
});
