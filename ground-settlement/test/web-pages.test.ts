/**
 * The passenger's pages in real Chromium against the real ground: sign up, register for a flight
 * with a cap, see the voucher QR, then the phone goes offline and the QR still shows after a
 * reload (the service worker). Another passenger cannot see it. Screenshots go to docs/screenshots/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passengers } from "../src/db/schema/identity.js";
import { bearer, call, createFlight, loadFlight, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { buildPages, launchChromium } from "./support/browser.js";

const SCREENSHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
const PASSWORD = "correct horse battery";

describe("the passenger's pages in Chromium", () => {
  let t: TestApp;
  let url: string;
  let ops: string;
  let browser: Browser;
  let voucherPath: string;

  beforeAll(async () => {
    const webDir = await buildPages(fileURLToPath(new URL("../vite.config.ts", import.meta.url)));
    t = await createTestApp("pglite", { WEB_DIR: webDir });
    ({ ops } = await staffKeys(t));
    const { flightId } = await createFlight(t, ops);
    await loadFlight(t, ops, flightId);
    url = await t.app.listen({ port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const signUp = async (page: Page, email: string, name: string) => {
    await page.goto(`${url}/app/passenger`);
    await page.click('[data-testid="switch-mode"]');
    await page.fill('input[name="displayName"]', name);
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', PASSWORD);
    await shot(page, "web-01-sign-up");
    await page.click('button[type="submit"]');
    await page.waitForSelector("text=Your vouchers");
  };
  const fund = async (email: string, amountMinor: number) => {
    const [who] = await t.db.select({ id: passengers.id }).from(passengers).where(eq(passengers.email, email));
    await call(
      t.app,
      {
        method: "POST",
        url: "/ops/wallets/fund",
        headers: bearer(ops),
        payload: { transferId: crypto.randomUUID(), passengerId: who!.id, currency: "CNY", amountMinor },
      },
      200,
    );
  };

  it("signs a passenger up, registers with a cap, and shows the voucher, also offline", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const email = `li.wei-${Date.now()}@example.com`;
    await signUp(page, email, "LI/WEI MR");
    await fund(email, 100_000);
    await page.reload();
    await expect.poll(() => page.textContent('[data-testid="wallet"]')).toContain("CN¥1,000.00");
    await shot(page, "web-02-home");

    await page.click(`a[href="/app/passenger/register"]`);
    await page.fill('input[name="carrier"]', "9C");
    await page.fill('input[name="number"]', "8850");
    await page.fill('input[name="date"]', "2026-12-01");
    await page.click('form[data-form="find-flight"] button[type="submit"]');
    await page.waitForSelector('form[data-form="register"]');
    expect(await page.textContent('[data-testid="hold-explained"]')).toContain("released back to you");
    await page.fill('input[name="cap"]', "300");
    await page.fill('input[name="seat"]', "12a");
    await shot(page, "web-03-register");
    await page.click('form[data-form="register"] button[type="submit"]');

    await page.waitForSelector('[data-page="voucher"] [data-testid="voucher-qr"]');
    voucherPath = new URL(page.url()).pathname;
    // Drawn, not a broken image: the browser decoded the QR's SVG.
    const qrShows = () =>
      page.$eval('[data-testid="voucher-qr"]', (img) => {
        const image = img as unknown as { complete: boolean; naturalWidth: number };
        return image.complete && image.naturalWidth > 0;
      });
    await expect.poll(qrShows).toBe(true);
    expect(await page.textContent('[data-testid="voucher-name"]')).toBe("LI/WEI MR · seat 12A");
    await shot(page, "web-04-voucher");

    // In flight mode: the service worker shows the last copy.
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)");
    await page.reload(); // now controlled by the service worker, which keeps what it fetches
    await expect.poll(qrShows).toBe(true);
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('[data-testid="voucher-qr"]');
    await expect.poll(qrShows).toBe(true);
    expect(await page.textContent('[data-testid="voucher-name"]')).toBe("LI/WEI MR · seat 12A");
    await shot(page, "web-05-voucher-offline");
    await context.close();
  });

  it("does not show one passenger's voucher to another", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signUp(page, `other-${Date.now()}@example.com`, "OTHER/PASSENGER");
    await page.goto(`${url}${voucherPath}`);
    await page.waitForSelector('[role="alert"]');
    expect(await page.textContent('[role="alert"]')).toMatch(/no registration/i);
    expect(await page.$('[data-testid="voucher-qr"]')).toBeNull();
    const qr = await page.evaluate(
      (path) => fetch(`${path.replace("/app/passenger/vouchers", "/registrations")}/qr.svg`).then((r) => r.status),
      voucherPath,
    );
    expect(qr).toBe(404);
    await context.close();
  });
});
