/**
 * The web pages in real Chromium against the real ground. A passenger signs up, registers for a
 * flight with a cap, sees the voucher QR, then the phone goes offline and the QR still shows after
 * a reload (the service worker); another passenger cannot see it. A finance person reads a settled
 * flight and downloads its CSV, whose totals match the ledger. Screenshots go to docs/screenshots/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeRotatingCode, decodeVoucherText, presentationHolds } from "@cabinpay/shared";
import axe from "axe-core";
import { and, eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogItems, flights } from "../src/db/schema/flights.js";
import { passengers } from "../src/db/schema/identity.js";
import { accounts } from "../src/db/schema/ledger.js";
import { registrations } from "../src/db/schema/registrations.js";
import { createStaffUser } from "../src/services/staff.js";
import {
  bearer,
  call,
  createFlight,
  DEPARTURE_MS,
  enrolTerminal,
  loadFlight,
  passenger,
  register,
  SAMPLE_CATALOG_CSV,
  staffKeys,
} from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { buildPages, launchChromium } from "./support/browser.js";
import { CabinTerminal } from "./support/cabin.js";
import { settled, startWorker, waitFor } from "./support/settle.js";

const SCREENSHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
const PASSWORD = "correct horse battery";

describe("the passenger's pages in Chromium", () => {
  let t: TestApp;
  let url: string;
  let ops: string;
  let browser: Browser;
  let voucherPath: string;
  /** Left by the tests before the last one, which shows every page in both languages. */
  let buyerEmail: string;
  /** The buyer's own (printed) voucher: the page the language walk shows as theirs. */
  let buyerVoucherPath: string;
  let settledFlightId: string;
  let opsFlightId: string;

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

  /** axe-core's violations inside `selector` (the context must bypass the page's CSP to inject it). */
  const axeViolations = async (page: Page, selector: string): Promise<string[]> => {
    await page.addScriptTag({ content: axe.source });
    return (await page.evaluate(`axe.run(${JSON.stringify(selector)}).then((r) => r.violations.map((v) => v.id))`)) as string[];
  };
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
    // axe-core is injected as a script (past the page's CSP, for this check only).
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, bypassCSP: true });
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
    expect(await page.textContent('[data-testid="cap-limit"]')).toBe("At most CN¥1,000.00.");
    // Money typed is never rounded silently, and an amount over the limit says the limit.
    await page.fill('input[name="cap"]', "12.345");
    expect(await page.textContent('[data-testid="cap-problem"]')).toBe("Use at most 2 decimals.");
    expect(await page.isDisabled('[data-testid="review"]')).toBe(true);
    await page.fill('input[name="cap"]', "1500");
    expect(await page.textContent('[data-testid="cap-problem"]')).toBe("That is more than you may spend: at most CN¥1,000.00.");
    await page.fill('input[name="cap"]', "abc");
    expect(await page.textContent('[data-testid="cap-problem"]')).toBe("Type the amount in digits, such as 300 or 300.50.");
    await page.click('button.chip:has-text("CN¥500.00")');
    expect(await page.inputValue('input[name="cap"]')).toBe("500.00");
    await page.fill('input[name="cap"]', "300");
    await page.fill('input[name="seat"]', "12a");
    await shot(page, "web-03-register");
    const registrationsBefore = (await t.db.select().from(registrations)).length;
    await page.click('[data-testid="review"]');
    // The last step says what will be held before anything is.
    expect(await page.textContent('[data-testid="confirm"]')).toContain("We will hold CN¥300.00 on your account now for 9C8850 PVG → CTU.");
    expect(await t.db.select().from(registrations)).toHaveLength(registrationsBefore);
    expect(await axeViolations(page, "body")).toEqual([]);
    await shot(page, "web-03c-register-confirm");
    await page.click('[data-testid="confirm-register"]');

    // Bound to this phone (the default): a live code, no picture to download.
    await page.waitForSelector('[data-page="voucher"] [data-testid="live-code"]');
    voucherPath = new URL(page.url()).pathname;
    expect(await page.$("a[download]")).toBeNull();
    // Drawn, not a broken image: the browser decoded the QR's SVG.
    const qrShows = () =>
      page.$eval('[data-testid="live-code"] img', (img) => {
        const image = img as unknown as { complete: boolean; naturalWidth: number };
        return image.complete && image.naturalWidth > 0;
      });
    await expect.poll(qrShows).toBe(true);
    expect(await page.textContent('[data-testid="voucher-name"]')).toBe("LI/WEI MR · seat 12A");
    // The code is this voucher, signed by the key the phone made and the ground bound into it,
    // for the slot of the ground's clock (the phone learnt the offset when it registered).
    const [bound] = await t.db
      .select()
      .from(registrations)
      .where(eq(registrations.id, voucherPath.split("/").at(-1)!));
    const firstText = (await page.getAttribute('[data-testid="live-code"]', "data-code"))!;
    const shown = decodeRotatingCode(firstText);
    if (!shown.ok) throw new Error(shown.detail);
    expect(shown.code.voucher.voucherId).toBe(bound!.id);
    expect(shown.code.voucher.devicePublicKey).toEqual(new Uint8Array(bound!.devicePublicKey!));
    expect(presentationHolds(shown.code.voucherBytes, shown.code)).toBe(true);
    expect(Math.abs(shown.code.slotStartMs - t.clock.nowMs)).toBeLessThan(60_000);
    // The phone's private key cannot be read by any script, this page's included.
    const extractable = await page.evaluate(`new Promise((resolve) => {
      const open = indexedDB.open("cabinpay", 1);
      open.onsuccess = () => {
        const get = open.result.transaction("device-keys").objectStore("device-keys").get("phone");
        get.onsuccess = () => resolve(get.result.kind + ":" + get.result.pair.privateKey.extractable);
      };
    })`);
    expect(extractable).toBe("webcrypto:false");
    // A new code on demand: the next counter, the same phone.
    await page.click('[data-testid="new-code"]');
    await expect.poll(() => page.getAttribute('[data-testid="live-code"]', "data-code")).not.toBe(firstText);
    const next = decodeRotatingCode((await page.getAttribute('[data-testid="live-code"]', "data-code"))!);
    expect(next.ok && next.code.counter).toBe(shown.code.counter + 1);
    expect(await axeViolations(page, "body")).toEqual([]);
    await shot(page, "web-04-voucher");
    // The live code in Chinese too (the key is in this phone's storage: the same browser).
    await page.click('[data-testid="language"]');
    await expect.poll(() => page.textContent('[data-testid="code-countdown"]')).toMatch(/秒后更换新代码/);
    expect(await axeViolations(page, "body")).toEqual([]);
    await shot(page, "web-04-voucher-live-code-zh");
    await page.click('[data-testid="language"]');

    // In flight mode: the service worker keeps the page; the key and the drawing are on the phone.
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)");
    await page.reload(); // now controlled by the service worker, which keeps what it fetches
    await expect.poll(qrShows).toBe(true);
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('[data-testid="live-code"]');
    await expect.poll(qrShows).toBe(true);
    expect(await page.textContent('[data-testid="voucher-name"]')).toBe("LI/WEI MR · seat 12A");
    const offlineCode = decodeRotatingCode((await page.getAttribute('[data-testid="live-code"]', "data-code"))!);
    expect(offlineCode.ok && offlineCode.code.counter).toBeGreaterThan(shown.code.counter);
    await shot(page, "web-05-voucher-offline");
    await context.close();
  });

  it("registers a CNY account for a HKD leg, saying the rate, and holds it in CNY", async () => {
    // axe-core is injected as a script (past the page's CSP, for this check only).
    const { flightId } = await createFlight(t, ops, { number: "8890", destination: "HKG", currency: "HKD" });
    await loadFlight(t, ops, flightId, "HKD");
    const rate = { currency: "CNY", rateMicros: 912_300, source: "airline treasury" };
    await call(t.app, { method: "PUT", url: `/ops/flights/${flightId}/rates`, headers: bearer(ops), payload: { rates: [rate] } }, 200);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
    const page = await context.newPage();
    const email = `hk-${Date.now()}@example.com`;
    await signUp(page, email, "HO/KA MAN MS");
    await fund(email, 100_000);
    await page.goto(`${url}/app/passenger/register`);
    await page.fill('input[name="carrier"]', "9C");
    await page.fill('input[name="number"]', "8890");
    await page.fill('input[name="date"]', "2026-12-01");
    await page.click('form[data-form="find-flight"] button[type="submit"]');
    await page.waitForSelector('[data-testid="rate-explained"]');
    expect(await page.textContent('[data-testid="rate-explained"]')).toContain("at 1 HKD = 0.9123 CNY (airline treasury)");
    // The flight's HK$2,000.00 largest cap is CN¥1,824.60.
    expect(await page.textContent('form[data-form="register"] label')).toContain("(CNY)");
    expect(await page.textContent('[data-testid="cap-limit"]')).toBe("At most CN¥1,000.00.");
    await page.fill('input[name="cap"]', "200");
    // Without the phone: a voucher to print or show as a picture, said before it is chosen.
    await page.uncheck('[data-testid="on-this-phone"]');
    expect(await page.textContent('form[data-form="register"]')).toContain("Anyone holding a copy can spend it");
    expect(await axeViolations(page, 'form[data-form="register"]')).toEqual([]);
    await shot(page, "web-03b-register-hkd-leg");
    await page.click('[data-testid="review"]');
    await page.click('[data-testid="confirm-register"]');
    await page.waitForSelector('[data-page="voucher"] [data-testid="voucher-qr"]');
    const [held] = await t.db
      .select({ currency: registrations.currency, capMinor: registrations.capMinor })
      .from(registrations)
      .where(eq(registrations.flightId, flightId));
    expect(held).toEqual({ currency: "CNY", capMinor: 20_000 });
    // The printed voucher can be downloaded; it is bound to no phone.
    expect(await page.$("a[download]")).not.toBeNull();
    const [printed] = await t.db
      .select({ key: registrations.devicePublicKey })
      .from(registrations)
      .where(eq(registrations.flightId, flightId));
    expect(printed!.key).toBeNull();
    await context.close();
  });

  it("lets finance clear the attention queue, read the settled flight and download its CSV, whose totals match the ledger", async () => {
    // A flight with sales, uploaded, settled and closed.
    const { flightId } = await createFlight(t, ops, { number: "8851" });
    await loadFlight(t, ops, flightId);
    const buyer = await passenger(t, ops, 100_000, "HE/FANG MS");
    const registration = await register(t, buyer.token, flightId, 50_000);
    buyerVoucherPath = `/app/passenger/vouchers/${registration.registrationId}`;
    const cabin = new CabinTerminal(t, await enrolTerminal(t, ops, flightId), flightId, {
      carrier: "9C",
      number: "8851",
      date: "2026-12-01",
    });
    cabin.sale(registration.voucherText, [{ sku: "DF-CHO-040", quantity: 2, unitPriceMinor: 12_800 }]);
    const coffee = cabin.sale(registration.voucherText, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }]);
    // The coffee was not served: refunded on board, with that reason signed.
    cabin.refund(coffee, coffee.lines, "C1001", { reason: "not_served" });
    // Over a cap that holds everything the passenger has: CN¥28.00 cannot be collected.
    const poor = await passenger(t, ops, 10_000, "GAO/LI MR");
    const poorVoucher = (await register(t, poor.token, flightId, 10_000)).voucherText;
    cabin.sale(poorVoucher, [{ sku: "DF-CHO-040", quantity: 1, unitPriceMinor: 12_800 }]);
    // A passenger who cancelled before the flight, yet took a coffee: the ground refuses the sale.
    const canceller = await passenger(t, ops, 20_000, "QIN/YU MS");
    const cancelled = await register(t, canceller.token, flightId, 10_000);
    await call(t.app, { method: "DELETE", url: `/registrations/${cancelled.registrationId}`, headers: bearer(canceller.token) }, 200);
    cabin.sale(cancelled.voucherText, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }]);
    cabin.close();
    const clockBefore = t.clock.nowMs;
    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
    expect((await cabin.upload()).statusCode).toBe(200);
    // What the trolley told the others in the cabin, brought down with its upload: it matches its records.
    const voucherOf = (text: string) => {
      const decoded = decodeVoucherText(text);
      if (!decoded.ok) throw new Error(decoded.detail);
      return decoded.voucher.voucherId;
    };
    const counted = await cabin.sendCounters([
      cabin.counters([
        { voucherId: voucherOf(registration.voucherText), approvedMinor: 27_600, givenBackMinor: 2_000 },
        { voucherId: voucherOf(poorVoucher), approvedMinor: 12_800, givenBackMinor: 0 },
        { voucherId: voucherOf(cancelled.voucherText), approvedMinor: 2_000, givenBackMinor: 0 },
      ]),
    ]);
    expect(counted.json()).toEqual({ verdicts: ["kept"] });
    const worker = await startWorker(t);
    try {
      await settled(t, flightId);
      await waitFor("the flight to close", async () => {
        const [flight] = await t.db.select().from(flights).where(eq(flights.id, flightId));
        return flight!.closedAtMs ?? undefined;
      });
    } finally {
      await worker.close();
      t.clock.nowMs = clockBefore;
    }
    // Planned as leg 1 of a rotation after the fact; leg 2 is loaded with stock of its own (a re-stock).
    const legTwo = await createFlight(t, ops, { number: "8855", departureAtMs: DEPARTURE_MS + 4 * 3_600_000 });
    await loadFlight(t, ops, legTwo.flightId);
    await call(
      t.app,
      {
        method: "POST",
        url: "/ops/rotations",
        headers: bearer(ops),
        payload: { aircraft: "B-30AB", date: "2026-12-01", flightIds: [flightId, legTwo.flightId] },
      },
      201,
    );
    await createStaffUser(t.db, {
      email: "finance@airline.example",
      displayName: "Finance Desk",
      role: "finance",
      password: PASSWORD,
      nowMs: t.clock.nowMs,
      costLog2N: 10,
    });

    // axe-core is injected as a script (past the page's CSP, for this check only).
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${url}/app/finance`);
    await page.fill('form[data-form="staff-login"] input[name="email"]', "finance@airline.example");
    await page.fill('form[data-form="staff-login"] input[name="password"]', PASSWORD);
    await page.click('form[data-form="staff-login"] button[type="submit"]');
    await page.waitForSelector(`[data-flight="${flightId}"]`);
    expect(await page.textContent(`[data-flight="${flightId}"] .status`)).toBe("needs attention");
    expect(await page.locator(`[data-flight="${flightId}"] td.number`).allTextContents()).toEqual(["CN¥404.00", "CN¥376.00", "0", "2"]);
    await shot(page, "web-06-finance-flights");
    await page.click(`[data-flight="${flightId}"] a`);
    await page.waitForSelector('[data-page="finance-flight"]');
    expect(await page.textContent('[data-testid="debited"]')).toBe("CN¥376.00");
    // The net the breakdowns add up to: CN¥384.00 by category; the coffee sold and refunded nets to nothing.
    expect(await page.textContent('[data-testid="net"]')).toBe("CN¥384.00");
    // Why the refund was made, as the purser signed it on board.
    expect(await page.textContent('[data-testid="reason-figures"]')).toContain("Not served (out of stock, spilt)1 time · −CN¥20.00");
    // The flight is leg 1 of its aircraft's rotation: the page gives the rotation's stock too.
    await expect
      .poll(() => page.textContent('[data-testid="finance-leg"]'))
      .toMatch(/^Leg 1 of 2 .* over the rotation, items loaded \d+: sold 4, back to catering at re-stocks \d+, left at the end \d+$/);
    const bars = (chart: string) => page.locator(`[data-chart="${chart}"] .bar-row`).allTextContents();
    // The coffee was sold and refunded: drinks net to nothing, and a bar of nothing has no width.
    expect(await bars("Sales by category")).toEqual(["Duty-freeCN¥384.00", "DrinksCN¥0.00"]);
    const drinksBar = page.locator('[data-chart="Sales by category"] .bar-row', { hasText: "Drinks" }).locator(".chart-bar");
    expect(await drinksBar.evaluate((bar) => bar.getBoundingClientRect().width)).toBe(0);
    // The records were made at the test clock's start, 00:00 UTC: 08:00 at the origin, Shanghai.
    expect(await bars("Sales by hour (PVG)")).toEqual(["08:00 (3)CN¥384.00"]);
    // Crew by name, items by name: no crew id or SKU on the page.
    const pageText = (await page.textContent("main"))!;
    expect(pageText).not.toMatch(/C100\d|DF-CHO-040|DR-COF-300/);
    // The shortfall, in the queue: finance records it as collected at the gate.
    const shortfall = '[data-testid="attention"] .attention-item[data-status="shortfall"]';
    const refused = '[data-testid="attention"] .attention-item[data-status="rejected"]';
    await page.waitForSelector(shortfall);
    expect(await page.textContent(shortfall)).toContain("not collected CN¥28.00");
    // The refused sale says why, and offers to collect it from the passenger's balance.
    expect(await page.textContent(refused)).toContain("QIN/YU MS · sale CN¥20.00 · the passenger had cancelled this voucher");
    expect(await page.locator('[data-testid="cabin-counters"] li').allTextContents()).toEqual([
      expect.stringMatching(/^Matches its records.*counted 6 records \(the ground holds 6\)/),
    ]);
    expect(await axeViolations(page, '[data-testid="cabin-counters"]')).toEqual([]);
    await shot(page, "web-07-finance-flight");
    await page.fill(`${shortfall} input[name="note"]`, "paid by card at the gate");
    await page.click(`${shortfall} [data-testid="collected"]`);
    await page.waitForSelector(shortfall, { state: "detached" });
    const collecting = await startWorker(t);
    try {
      await page.fill(`${refused} form[data-form="collect-from-balance"] input[name="note"]`, "coffee handed over; passenger agreed");
      await page.click(`${refused} [data-testid="collect-from-balance"]`);
      await page.waitForSelector("text=Every sale is settled.");
      await settled(t, flightId);
    } finally {
      await collecting.close();
    }
    await shot(page, "web-07b-finance-attention-done");
    await page.click("text=← Flights");
    await expect.poll(() => page.textContent(`[data-flight="${flightId}"] .status`)).toBe("settled");
    await page.click(`[data-flight="${flightId}"] a`);
    await page.waitForSelector('[data-page="finance-flight"] [data-testid="csv"]');

    // The CSV the page links to, as the browser downloads it with the finance session.
    const csvHref = (await page.getAttribute('[data-testid="csv"]', "href"))!;
    const csv = await page.evaluate((href) => fetch(href).then((r) => r.text()), csvHref);
    const [header, ...rows] = csv
      .trim()
      .split("\n")
      .map((line) => line.split(","));
    const sum = (name: string) => rows.reduce((total, row) => total + Number(row[header!.indexOf(name)]), 0);
    const [revenue] = await t.db
      .select()
      .from(accounts)
      .where(and(eq(accounts.kind, "airline_revenue"), eq(accounts.currency, "CNY")));
    expect(sum("from_hold_minor") + sum("from_balance_minor") - sum("reversed_minor")).toBe(
      revenue!.creditsPostedMinor - revenue!.debitsPostedMinor,
    );
    // What the holds and balances paid, the refused coffee collected from its passenger's balance included.
    expect(sum("from_hold_minor") + sum("from_balance_minor")).toBe(37_600 + 2_000);
    await context.close();

    // The buyer, after landing: recent activity on the home page, and the statement.
    const [buyerRow] = await t.db.select({ email: passengers.email }).from(passengers).where(eq(passengers.id, buyer.passengerId));
    buyerEmail = buyerRow!.email;
    settledFlightId = flightId;
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const passengerPage = await phone.newPage();
    await passengerPage.goto(`${url}/app/passenger`);
    await passengerPage.fill('input[name="email"]', buyerRow!.email);
    await passengerPage.fill('input[name="password"]', PASSWORD);
    await passengerPage.click('button[type="submit"]');
    await passengerPage.waitForSelector('[data-testid="recent"]');
    expect(await passengerPage.locator('[data-testid="recent"] tr').allTextContents()).toHaveLength(3);
    await passengerPage.click('a[href="/app/passenger/statement"]');
    await passengerPage.waitForSelector('[data-page="statement"] section');
    const statementText = await passengerPage.textContent('[data-page="statement"] section');
    expect(statementText).toContain("Purchase: 2 × Chocolate Gift Box 300 g");
    // The coffee's refund, with the reason the purser gave on board.
    expect(statementText).toContain("Refund · Not served (out of stock, spilt): 1 × Hot Coffee");
    expect(await passengerPage.textContent('[data-testid="statement-total"]')).toBe("CN¥256.00");
    expect(statementText).toContain("Hold released CN¥224.00");
    // Each line's signed amount, summed, is what the ledger debited this passenger.
    const signed = await passengerPage
      .locator('[data-page="statement"] tr[data-signed-minor]')
      .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute("data-signed-minor"))));
    expect(signed.reduce((a, b) => a + b, 0)).toBe(25_600);
    await shot(passengerPage, "web-10-passenger-statement");
    await phone.close();
    // The same statement on a laptop: the table keeps its columns, nothing runs off the page.
    const laptop = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const wide = await laptop.newPage();
    await wide.goto(`${url}/app/passenger/statement`);
    await wide.fill('input[name="email"]', buyerRow!.email);
    await wide.fill('input[name="password"]', PASSWORD);
    await wide.click('button[type="submit"]');
    await wide.waitForSelector('[data-page="statement"] section');
    expect(await wide.textContent('[data-testid="statement-total"]')).toBe("CN¥256.00");
    expect(await wide.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    expect(await axeViolations(wide, '[data-page="statement"]')).toEqual([]);
    await shot(wide, "web-10-passenger-statement-desktop");
    await laptop.close();
  });

  it("lets ops create a flight and load its catalog CSV, with a line-by-line report when a line is wrong", async () => {
    await createStaffUser(t.db, {
      email: "ops@airline.example",
      displayName: "Ops Desk",
      role: "ops",
      password: PASSWORD,
      nowMs: t.clock.nowMs,
      costLog2N: 10,
    });
    // axe-core is injected as a script (past the page's CSP, for this check only).
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${url}/app/ops`);
    await page.fill('form[data-form="staff-login"] input[name="email"]', "ops@airline.example");
    await page.fill('form[data-form="staff-login"] input[name="password"]', PASSWORD);
    await page.click('form[data-form="staff-login"] button[type="submit"]');
    await page.waitForSelector('form[data-form="create-flight"]');
    await expect.poll(() => page.textContent('[data-testid="terminals"]')).toContain("9C8851 2026-12-01");
    // Money for a passenger who paid at the desk: found by e-mail, confirmed by name, added once.
    await page.fill('input[name="topUpEmail"]', buyerEmail.toUpperCase());
    await page.fill('input[name="topUpAmount"]', "500");
    await page.click('form[data-form="top-up"] button[type="submit"]');
    expect(await page.textContent('[data-testid="top-up-confirm"] p')).toBe("Add CN¥500.00 to the account of HE/FANG MS?");
    await page.click('[data-testid="top-up-confirm"] button.primary');
    await page.waitForSelector('[data-testid="top-up-done"]');
    // CN¥1,000.00 funded, CN¥276.00 spent, CN¥20.00 refunded for the coffee, CN¥500.00 added.
    expect(await page.textContent('[data-testid="top-up-done"]')).toBe("Done: HE/FANG MS now has CN¥1,244.00 available.");
    await page.fill('input[name="carrier"]', "9C");
    await page.fill('input[name="number"]', "8853");
    await page.fill('input[name="date"]', "2026-12-02");
    await page.fill('input[name="departure"]', "2026-12-02T09:05");
    await page.fill('input[name="origin"]', "PVG");
    await page.fill('input[name="destination"]', "NRT");
    await page.click('form[data-form="create-flight"] button[type="submit"]');
    await page.waitForSelector('[data-page="ops-flight"]');
    const flightId = new URL(page.url()).pathname.split("/").at(-1)!;
    opsFlightId = flightId;
    // The page names the flight; the departure typed as Tokyo-bound PVG local time is 09:05 in Shanghai.
    await expect.poll(() => page.textContent("h1")).toBe("Flight 9C8853 2026-12-02 PVG → NRT");
    const [created] = await t.db.select().from(flights).where(eq(flights.id, flightId));
    expect(created!.departureAtMs).toBe(Date.parse("2026-12-02T09:05+08:00"));

    const csv = SAMPLE_CATALOG_CSV.split("\n");
    const bad = [...csv];
    bad[2] = bad[2]!.replace(/,(\d+),CNY,/, ",12.50,CNY,"); // line 3: a price that is not whole fen
    await page.setInputFiles('[data-testid="catalog-file"]', {
      name: "catalog.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(bad.join("\n")),
    });
    await page.waitForSelector('[data-testid="catalog-problems"]');
    expect(await page.textContent('[data-testid="catalog-problems"] li')).toMatch(/^line 3: /);
    expect(await t.db.select().from(catalogItems).where(eq(catalogItems.flightId, flightId))).toEqual([]);
    await shot(page, "web-08-ops-catalog-refused");

    await page.setInputFiles('[data-testid="catalog-file"]', {
      name: "catalog.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(csv.join("\n")),
    });
    await page.waitForSelector('[data-testid="catalog-ok"]');
    expect(await page.textContent('[data-testid="catalog-ok"]')).toBe("21 items loaded on trolleys A, B");
    // What is set, by name and price, with each trolley's stock: no SKU on the page.
    await expect.poll(() => page.locator('[data-testid="catalog"] tbody tr').count()).toBe(21);
    expect(await page.locator('[data-testid="catalog"] tbody tr').first().textContent()).toMatch(/^[^A-Z]*[A-Z][a-z].*CN¥/);
    expect(await page.textContent("main")).not.toContain("DF-CHO-040");
    // A roster with mistakes: every line's problem at once, in words, and nothing saved.
    await page.fill('textarea[name="roster"]', "C1001, Li Na, purser\nC1002, Wang Fang, captain, 1357\nC1003, Zhao Lei, crew, 12");
    await page.click("text=Save roster");
    await page.waitForSelector('[data-testid="roster-problems"]');
    expect(await page.locator('[data-testid="roster-problems"] li').allTextContents()).toEqual([
      "Line 1: write id, name, crew or purser, PIN, separated by commas.",
      "Line 2: the role is crew or purser.",
      "Line 3: the PIN is 4 to 8 digits.",
    ]);
    await page.fill('textarea[name="roster"]', "C1001, Li Na, purser, 2468\nC1002, Wang Fang, crew, 1357");
    await page.click("text=Save roster");
    await page.waitForSelector("text=2 crew members saved");
    // The PINs were sent once and are not left on the page; the roster shows names and roles.
    expect(await page.inputValue('textarea[name="roster"]')).toBe("");
    await expect
      .poll(() => page.locator('[data-testid="roster"] li').allTextContents())
      .toEqual(["Li Na · purser", "Wang Fang · cabin crew"]);
    // Passengers with HKD accounts: the rate they are debited at, typed as people say it.
    await page.fill('input[name="rateCurrency"]', "hkd");
    await page.fill('input[name="ratePerMajor"]', "1.0961");
    await page.fill('input[name="rateSource"]', "airline treasury 08:00");
    await page.click('form[data-form="rates"] button[type="submit"]');
    await expect.poll(() => page.textContent('[data-testid="rates"]')).toBe("1 CNY = 1.0961 HKD (airline treasury 08:00)");
    expect(await axeViolations(page, 'form[data-form="rates"]')).toEqual([]);
    // What pays on board: ops take printed vouchers off this flight; the next manifest carries it.
    expect(await page.isChecked('[data-testid="code-policy"] input[value="printed_accepted"]')).toBe(true);
    await page.check('[data-testid="code-policy"] input[value="codes_only"]');
    await expect.poll(() => page.textContent('[data-testid="code-policy"]')).toContain("Saved.");
    const [policy] = await t.db.select({ codePolicy: flights.codePolicy }).from(flights).where(eq(flights.id, flightId));
    expect(policy).toEqual({ codePolicy: "codes_only" });
    expect(await axeViolations(page, '[data-testid="code-policy"]')).toEqual([]);
    // While trolleys cannot reach each other: ops choose that each sells only its share of a voucher.
    expect(await page.isChecked('[data-testid="spend-policy"] input[value="full"]')).toBe(true);
    await page.check('[data-testid="spend-policy"] input[value="share"]');
    await expect.poll(() => page.textContent('[data-testid="spend-policy"]')).toContain("Saved.");
    const [spend] = await t.db.select({ spendPolicy: flights.spendPolicy }).from(flights).where(eq(flights.id, flightId));
    expect(spend).toEqual({ spendPolicy: "share" });
    expect(await axeViolations(page, '[data-testid="spend-policy"]')).toEqual([]);
    await page.click("text=New one-time code");
    await page.waitForSelector('[data-testid="enrolment-code"]');
    expect(await page.textContent('[data-testid="enrolment-code"]')).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await shot(page, "web-09-ops-flight");

    // A second flight that day, then the rotation of both, planned on the ops home page.
    await page.click("text=← Flights");
    await page.waitForSelector('form[data-form="create-flight"]');
    await page.fill('input[name="carrier"]', "9C");
    await page.fill('input[name="number"]', "8854");
    await page.fill('input[name="date"]', "2026-12-02");
    await page.fill('input[name="departure"]', "2026-12-02T15:40");
    await page.fill('input[name="origin"]', "NRT");
    await page.fill('input[name="destination"]', "PVG");
    await page.click('form[data-form="create-flight"] button[type="submit"]');
    await page.waitForSelector('[data-page="ops-flight"]');
    await page.click("text=← Flights");
    await page.fill('input[name="aircraft"]', "b-30aa");
    await page.fill('input[name="rotationDate"]', "2026-12-02");
    await page.waitForSelector('input[name="leg"]');
    for (const leg of await page.$$('input[name="leg"]')) await leg.check();
    await page.click('form[data-form="plan-rotation"] button[type="submit"]');
    await page.waitForSelector('[data-rotation="B-30AA"]');
    const legs = await page.locator('[data-rotation="B-30AA"] ol li').allTextContents();
    expect(legs).toEqual([
      expect.stringMatching(/^9C8853 PVG→NRT · stock loaded · trolley A: no terminal yet, trolley B: no terminal yet$/),
      expect.stringMatching(/^9C8854 NRT→PVG · stock carried over from the leg before · /),
    ]);
    await page.click('[data-rotation="B-30AA"] button');
    await page.waitForSelector('[data-testid="rotation-code"]');
    expect(await page.textContent('[data-testid="rotation-code"]')).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await axeViolations(page, '[data-testid="rotations"]')).toEqual([]);
    await page.locator('[data-testid="rotations"]').scrollIntoViewIfNeeded();
    await shot(page, "web-11-ops-rotations");
    await context.close();
  });

  it("does not show one passenger's voucher to another", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signUp(page, `other-${Date.now()}@example.com`, "OTHER/PASSENGER");
    await page.goto(`${url}${voucherPath}`);
    await page.waitForSelector('[role="alert"]');
    expect(await page.textContent('[role="alert"]')).toBe("This voucher was not found. Go back to your home page.");
    expect(await page.$('[data-testid="voucher-qr"]')).toBeNull();
    const qr = await page.evaluate(
      (path) => fetch(`${path.replace("/app/passenger/vouchers", "/registrations")}/qr.svg`).then((r) => r.status),
      voucherPath,
    );
    expect(qr).toBe(404);
    // Statements are per session: this passenger's has nothing of the other's.
    const statement = await page.evaluate(() => fetch("/me/statement").then((r) => r.json()));
    expect(statement).toEqual({ registrations: [] });
    await context.close();
  });

  /** Every page of each area, shown to a browser in each language (filled in when the tests above have run). */
  const pagesOf = () =>
    ({
      passenger: [
        { name: "landing", path: "/app/", login: undefined },
        { name: "log-in", path: "/app/passenger", login: undefined },
        { name: "home", path: "/app/passenger", login: "passenger" },
        { name: "register", path: "/app/passenger/register", login: "passenger" },
        { name: "voucher", path: buyerVoucherPath, login: "passenger" },
        { name: "statement", path: "/app/passenger/statement", login: "passenger" },
      ],
      staff: [
        { name: "finance-log-in", path: "/app/finance", login: undefined },
        { name: "finance-flights", path: "/app/finance", login: "finance" },
        { name: "finance-flight", path: `/app/finance/flights/${settledFlightId}`, login: "finance" },
        { name: "finance-attention", path: "/app/finance/attention", login: "finance" },
        { name: "ops-home", path: "/app/ops", login: "ops" },
        { name: "ops-flight", path: `/app/ops/flights/${opsFlightId}`, login: "ops" },
      ],
    }) as const;
  const loginsOf = () => ({ passenger: buyerEmail, finance: "finance@airline.example", ops: "ops@airline.example" }) as const;

  it.each([
    ["zh-CN", "passenger"],
    ["zh-CN", "staff"],
    ["en-GB", "passenger"],
    ["en-GB", "staff"],
  ] as const)(
    "shows every %s page of the %s area in that language, with no serious axe finding and a whole header",
    async (locale, area) => {
      const language = locale === "zh-CN" ? "zh" : "en";
      const viewport = area === "passenger" ? { width: 390, height: 844 } : { width: 1280, height: 900 };
      const logins = loginsOf();
      // axe-core is injected as a script (past the page's CSP, for this check only).
      const context = await browser.newContext({ viewport, locale, bypassCSP: true });
      const page = await context.newPage();
      for (const shown of pagesOf()[area]) {
        if (shown.login !== undefined) await logIn(page, shown.login, logins[shown.login]);
        await page.goto(`${url}${shown.path}`);
        await page.waitForSelector("h1");
        if (shown.name === "register") await findFlight(page, "9C", "8850");
        await page.waitForLoadState("networkidle");
        expect(await page.getAttribute("html", "lang"), shown.name).toBe(language === "zh" ? "zh-Hans-CN" : "en");
        const heading = (await page.textContent("h1"))!;
        if (language === "zh") expect(heading, shown.name).toMatch(/[\u4e00-\u9fff]/);
        else expect(heading, shown.name).not.toMatch(/[\u4e00-\u9fff]/);
        // The buyer's own voucher, with the name crew compare (a page that says "not found" is no screenshot).
        if (shown.name === "voucher") await page.waitForSelector('[data-testid="voucher-name"]');
        // Item names in the page's language too, not only the page's own words.
        if (shown.name === "home")
          await expect
            .poll(() => page.textContent('[data-testid="recent"]'))
            .toContain(language === "zh" ? "巧克力礼盒" : "Chocolate Gift Box");
        expect(await seriousViolations(page), `${language} ${shown.name}`).toEqual([]);
        if (shown.login !== undefined) await expectWholeHeader(page, shown.name);
        await shot(page, `web-lang-${language}-${shown.name}`);
        if (shown.login !== undefined) await logOut(page);
      }
      await context.close();
    },
    180_000,
  );

  it("shows a printed voucher from the page's own HTML before the app has loaded, then the app's in its place", async () => {
    // axe-core is injected as a script (past the page's CSP, for this check only); the service
    // worker is kept out so that holding the app's scripts back holds them back.
    const drawnOnly = async (viewport: { width: number; height: number }, locale: string) => {
      const opened = await browser.newContext({ viewport, locale, bypassCSP: true, serviceWorkers: "block" });
      const tab = await opened.newPage();
      await logIn(tab, "passenger", buyerEmail);
      await opened.route("**/app/assets/*.js", (route) => route.abort());
      await tab.goto(`${url}${buyerVoucherPath}`);
      await tab.waitForSelector("#first-paint svg");
      return { context: opened, page: tab };
    };
    const { context, page } = await drawnOnly({ width: 390, height: 844 }, "zh-CN");
    expect(await page.isVisible("#root")).toBe(false);
    expect(await page.getAttribute("html", "lang")).toBe("zh-Hans-CN");
    expect(await page.textContent("#first-paint .name")).toBe("HE/FANG MS");
    expect(await page.textContent("#first-paint")).toContain("机上最多可消费 ¥500.00。");
    expect(await page.getAttribute('#first-paint [role="img"]', "aria-label")).toBe("您的凭证二维码");
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, "web-voucher-first-paint-zh");
    // In English on a desktop browser too.
    const { context: desktop, page: wide } = await drawnOnly({ width: 1280, height: 900 }, "en-GB");
    expect(await wide.textContent("#first-paint")).toContain("Spend up to CN¥500.00 on board.");
    expect(await seriousViolations(wide)).toEqual([]);
    await shot(wide, "web-voucher-first-paint-en-desktop");
    await desktop.close();
    // With its scripts the app shows its own voucher, and the drawing gives way to it.
    await context.unroute("**/app/assets/*.js");
    await page.reload();
    await page.waitForSelector('[data-testid="voucher-name"]');
    await expect.poll(() => page.$("#first-paint")).toBeNull();
    expect(await page.isVisible('[data-testid="voucher-qr"]')).toBe(true);
    expect(await page.textContent('[data-testid="voucher-name"]')).toBe("HE/FANG MS");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();

    // In flight mode the service worker shows the page it kept, the voucher drawn in.
    // (Past the page's CSP to read the service worker's cache from the test.)
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN", bypassCSP: true });
    const kept = await phone.newPage();
    await logIn(kept, "passenger", buyerEmail);
    await kept.goto(`${url}${buyerVoucherPath}`);
    await kept.evaluate("navigator.serviceWorker.ready.then(() => true)");
    await kept.reload(); // now controlled by the service worker, which keeps what it fetches
    await kept.waitForSelector('[data-testid="voucher-name"]');
    await phone.setOffline(true);
    await kept.reload();
    await kept.waitForSelector('[data-testid="voucher-name"]');
    expect(await kept.textContent('[data-testid="voucher-name"]')).toBe("HE/FANG MS");
    // Kept with the passenger's data (which logging out clears), the drawing in it.
    const keptPage = await kept.evaluate(
      `caches.open("cabinpay-data-v1").then((cache) => cache.match(location.href, { ignoreVary: true })).then((response) => response?.text() ?? "")`,
    );
    expect(keptPage).toContain('<main id="first-paint"');
    expect(keptPage).toContain("HE/FANG MS");
    await phone.close();
  });

  it("keeps the whole header at the other sizes: a passenger's at 1280 px, a finance clerk's at 390 px", async () => {
    const logins = loginsOf();
    for (const [login, path, width] of [
      ["passenger", "/app/passenger", 1280],
      ["finance", "/app/finance", 390],
    ] as const) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, locale: "zh-CN" });
      const page = await context.newPage();
      await logIn(page, login, logins[login]);
      await page.goto(`${url}${path}`);
      await page.waitForSelector("h1");
      await expectWholeHeader(page, `${login} at ${width} px`);
      await context.close();
    }
  });

  it("remembers the language a person picks over the browser's", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
    const page = await context.newPage();
    await page.goto(`${url}/app/`);
    expect(await page.textContent("h1")).toBe("CabinPay 机上付");
    await page.click('[data-testid="language"]');
    expect(await page.textContent("h1")).toBe("CabinPay");
    await page.reload();
    expect(await page.textContent("main p")).toBe("Pay for duty-free, meals and drinks on your flight, with no connection on board.");
    await page.click('[data-testid="language"]');
    await page.reload();
    expect(await page.textContent("main p")).toBe("在没有网络的航班上，购买免税品、餐食和饮品。");
    await context.close();
  });

  /** axe-core's serious and critical findings on the whole page. */
  const seriousViolations = async (page: Page): Promise<string[]> => {
    await page.addScriptTag({ content: axe.source });
    return (await page.evaluate(
      `axe.run(document).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`,
    )) as string[];
  };
  /** The header is tall enough for its text and every part of it lies inside it. */
  const expectWholeHeader = async (page: Page, what: string) => {
    const boxes = await page.$eval(".topbar", (header) => {
      const outer = header.getBoundingClientRect();
      return {
        height: outer.height,
        outside: [...header.children].filter((child) => {
          const inner = child.getBoundingClientRect();
          return (
            inner.top < outer.top - 0.5 ||
            inner.bottom > outer.bottom + 0.5 ||
            inner.left < outer.left - 0.5 ||
            inner.right > outer.right + 0.5
          );
        }).length,
      };
    });
    expect(boxes.height, what).toBeGreaterThanOrEqual(40);
    expect(boxes.outside, what).toBe(0);
  };
  const logIn = async (page: Page, who: "passenger" | "finance" | "ops", email: string) => {
    await page.goto(`${url}/app/${who}`);
    const form = who === "passenger" ? 'form[data-form="login"]' : 'form[data-form="staff-login"]';
    await page.fill(`${form} input[name="email"]`, email);
    await page.fill(`${form} input[name="password"]`, PASSWORD);
    await page.click(`${form} button[type="submit"]`);
    await page.waitForSelector(".topbar");
  };
  const logOut = async (page: Page) => {
    await page.click(".topbar button:not([data-testid])");
    await page.waitForSelector("form");
  };
  const findFlight = async (page: Page, carrier: string, number: string) => {
    await page.fill('input[name="carrier"]', carrier);
    await page.fill('input[name="number"]', number);
    await page.fill('input[name="date"]', "2026-12-01");
    await page.click('form[data-form="find-flight"] button[type="submit"]');
    await page.waitForSelector('form[data-form="register"]');
  };
});
