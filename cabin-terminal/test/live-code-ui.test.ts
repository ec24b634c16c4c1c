/**
 * The phone's live code paying on the crew UI in real Chromium: a passenger registered on the real
 * ground with their phone's key; the phone's code (a version-12 QR code, drawn as the passenger
 * app draws it) is played as the tablet's camera and read through the real camera path; the core
 * verifies the issuer's and the phone's signatures, and the approved screen says a phone paid. The
 * same code again, from a hardware scanner this time, is declined with what to do. Screenshots in
 * both languages.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bearer, call, DEPARTURE_MS, passenger, staffKeys } from "@cabinpay/ground-settlement/testing/actors";
import { createPortableDeviceSigner, decodeVoucherText, makeRotatingCode, nobleVerifier, verifyReceipt } from "@cabinpay/shared";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTerminalHost, type TerminalHost } from "../src/host/terminal-host.js";
import { buildRenderer, launchChromium } from "./support/browser.js";
import { voucherVideo } from "./support/camera.js";
import { tempDir } from "./support/fixtures.js";
import { type GroundWithFlight, groundWithFlight } from "./support/ground.js";

const SCREENSHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
const IN_FLIGHT_MS = DEPARTURE_MS + 3_600_000;

describe("the phone's live code on the crew UI in Chromium", () => {
  let ground: GroundWithFlight;
  let terminal: TerminalHost;
  let browser: Browser;
  let code: string;

  beforeAll(async () => {
    ground = await groundWithFlight({ capMinor: 60_000, seat: "23K", displayName: "ZHOU/MIN MS" });
    // Another passenger registers from the app: the phone's key goes into the voucher.
    const phone = createPortableDeviceSigner();
    const { ops } = await staffKeys(ground.t);
    const who = await passenger(ground.t, ops, 50_000, "WU/FANG MS");
    const payload = {
      flightId: ground.flightId,
      capMinor: 30_000,
      seat: "31C",
      devicePublicKey: Buffer.from(phone.publicKey).toString("base64url"),
    };
    const registered = (
      await call(ground.t.app, { method: "POST", url: "/registrations", headers: bearer(who.token), payload }, 201)
    ).json();
    const voucher = decodeVoucherText(registered.voucherText);
    if (!voucher.ok) throw new Error(voucher.detail);
    code = await makeRotatingCode(voucher.bytes, { nowMs: IN_FLIGHT_MS, periodS: 30, counter: 1 }, phone);
    terminal = await startTerminalHost({ dataDir: tempDir(), now: () => ground.t.clock.nowMs, rendererDir: await buildRenderer() });
    const video = join(tempDir(), "live-code.y4m");
    voucherVideo(code, video);
    browser = await launchChromium({ cameraVideo: video });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await terminal?.close();
    await ground?.t.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

  it("approves the phone's code from the camera, says a phone paid, and declines the same code again", async () => {
    expect(code.length).toBeGreaterThan(380); // a version-12 code, not a printed voucher's version 9
    await terminal.core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode() });
    await terminal.core["manifest/load-assigned"]({});
    ground.t.clock.nowMs = IN_FLIGHT_MS + 5_000;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const scan = async () => {
      await page.keyboard.type(code);
      await page.keyboard.press("Enter");
    };
    await page.goto(terminal.url);
    await page.click('[data-crew="C1002"]');
    await page.keyboard.type("1357");
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-screen="sell"]');
    await page.click('[data-sku="DR-COF-300"]');
    await page.click('[data-testid="charge"]');
    // The camera shows the phone: nothing typed, nothing scanned by hand.
    await page.waitForSelector('[data-screen="approved"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="presented"]')).toBe("Paid with the live code on the passenger's phone.");
    expect(await page.textContent('[data-testid="passenger"]')).toBe("WU/FANG MS · Seat 31C");
    // Beside it the passenger's signed receipt, which a phone checks with the ground's key alone.
    const receiptText = (await page.getAttribute('[data-testid="receipt-qr"]', "data-receipt"))!;
    const groundKey = ground.t.infra.keys.manifestSigner;
    const receipt = verifyReceipt(receiptText, { groundKeys: new Map([[groundKey.keyId, groundKey.publicKey]]), verifier: nobleVerifier });
    expect(receipt.ok && [receipt.receipt.kind, receipt.receipt.totalMinor, receipt.receipt.capLeftMinor]).toEqual(["sale", 2_000, 28_000]);
    expect(await page.isVisible('[data-testid="done"]')).toBe(true);
    await shot(page, "17-paid-with-live-code");
    await page.click('[data-testid="language"]');
    await expect.poll(() => page.textContent('[data-testid="presented"]')).toBe("已使用旅客手机上的实时代码支付。");
    await shot(page, "17-paid-with-live-code-zh");
    await page.click('[data-testid="language"]');
    await page.click('[data-testid="done"]');
    // The same code again (a photo of the phone, say), from the scanner: declined, with what to do.
    await page.click('[data-sku="DR-COF-300"]');
    await page.click('[data-testid="charge"]');
    await page.waitForSelector('[data-screen="pay"]');
    await scan();
    await page.waitForSelector('[data-screen="declined"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="decline-reason"]')).toBe(
      "This code was already used. Ask the passenger to show the next code on the phone.",
    );
    await shot(page, "18-live-code-replayed");
    await page.close();
  });
});
