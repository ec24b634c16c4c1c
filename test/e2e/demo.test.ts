/**
 * `npm run demo`, as a new user runs it (after the build `npm test` runs first): it comes up, its
 * terminal page and finance page load in headless Chromium and show the seeded flight, a sample
 * sale shows on the open terminal page, landing settles the flight on the finance page, and
 * Ctrl-C (SIGINT) stops everything.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "@cabinpay/ground-settlement/testing/browser";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The demo's output so far, and a wait for a line that matches. */
function watch(child: ChildProcess) {
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  return {
    output: () => output,
    async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(output);
        if (match !== null) return match;
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`the demo never printed ${pattern} (exit code ${child.exitCode}); it printed:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/** Waits for the terminal's status bar to count that many unsent records; if it never does, says what it shows. */
async function unsent(page: Page, count: number): Promise<void> {
  try {
    // A locator, not waitForFunction: a predicate given as text is eval'd in the page, which the
    // terminal's Content-Security-Policy (no 'unsafe-eval') refuses, at least on some runs.
    await page.locator('[data-testid="status-unsent"]', { hasText: new RegExp(`^${count} unsent$`) }).waitFor({ timeout: 30_000 });
  } catch (error) {
    const bar = await page.textContent('[data-testid="status-bar"]').catch((e: Error) => `unreadable: ${e.message}`);
    throw new Error(`the terminal page never showed ${count} unsent; its status bar: ${bar}; ${(error as Error).message}`);
  }
}

describe("npm run demo", () => {
  let demo: ChildProcess;
  let out: ReturnType<typeof watch>;
  let browser: Browser;
  let groundUrl: string;
  let terminalUrl: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "cabinpay-demo-"));
    demo = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/demo/main.ts", "--ground-port", "0", "--terminal-port", "0", "--dir", dir],
      { cwd: ROOT, env: { ...process.env, REDIS_URL: inject("redisUrl"), NODE_ENV: "production" }, stdio: ["pipe", "pipe", "pipe"] },
    );
    out = watch(demo);
    await out.waitFor(/Demo ready\./, 90_000);
    groundUrl = (await out.waitFor(/API and workers on (http:\/\/\S+)/))[1]!;
    terminalUrl = (await out.waitFor(/Crew terminal: open (http:\/\/\S+)/))[1]!;
    browser = await launchChromium();
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    if (demo?.exitCode === null) demo.kill("SIGKILL");
  });

  it("shows the seeded flight on the terminal, sells, lands, and finance sees it settled", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const terminal = await browser.newPage();
    await terminal.goto(terminalUrl);
    // Enrolled and loaded by the demo: the PIN pad for the seeded crew, under the seeded flight.
    await terminal.waitForSelector('[data-crew="C1001"]');
    expect(await terminal.textContent('[data-testid="status-flight"]')).toContain("9C8850");

    const finance = await browser.newPage();
    await finance.goto(`${groundUrl}/app/finance`);
    await finance.fill('form[data-form="staff-login"] input[name="email"]', "finance@demo.cabinpay");
    await finance.fill('form[data-form="staff-login"] input[name="password"]', "demo finance 2026");
    await finance.click('form[data-form="staff-login"] button[type="submit"]');
    const row = finance.locator("tr[data-flight]", { hasText: "9C8850" });
    await row.waitFor();
    expect(await row.textContent()).toContain(today);
    expect(await row.locator(".status").textContent()).toBe("open");

    // A sample sale by the crew member: the open terminal page follows (logged in, one unsent record).
    demo.stdin!.write("s\n");
    const sale = await out.waitFor(/Sample sale of .* approved, (CN¥[\d,]+\.\d\d)/);
    await unsent(terminal, 1);
    expect(await terminal.textContent('[data-testid="status-crew"]')).toContain("Wang Fang");

    // Landing leg 1 settles it and opens leg 2 of the rotation, whose trolley flies on with what was left.
    demo.stdin!.write("l\n");
    const flightId = (await out.waitFor(/Finance: \S+\/app\/finance\/flights\/([0-9a-f-]{36})/, 120_000))[1]!;
    expect(out.output()).toContain("Uploaded 2 records: 2 accepted"); // the sale and the close
    expect(out.output()).toContain(`Flight 9C8850 settled: sold ${sale[1]}, debited ${sale[1]}.`);
    await out.waitFor(/Next leg 9C8851\/\S+ opened/);
    await finance.reload();
    const settled = finance.locator(`tr[data-flight="${flightId}"]`);
    await settled.waitFor();
    expect(await settled.locator(".status").textContent()).toBe("settled");
    await unsent(terminal, 0);
    await terminal.locator('[data-testid="status-flight"]', { hasText: "9C8851" }).waitFor();

    // Leg 2: a sale with a leg-2 voucher, and the second landing settles it too.
    demo.stdin!.write("s\n");
    // The demo's buyers take turns: the second sale is the second passenger's, on a leg-2 voucher.
    const secondSale = (await out.waitFor(/Sample sale of .* to SMITH\/ANNA MS \(14C\): approved, (CN¥[\d,]+\.\d\d)/))[1]!;
    demo.stdin!.write("l\n");
    await out.waitFor(/That was the last leg of the rotation\./, 120_000);
    expect(out.output()).toContain(`Flight 9C8851 settled: sold ${secondSale}, debited ${secondSale}.`);

    // Ctrl-C: everything stops, and cleanly.
    const exited = new Promise<number | null>((resolve) => demo.once("exit", (code) => resolve(code)));
    demo.kill("SIGINT");
    expect(await exited).toBe(0);
    await expect(fetch(`${groundUrl}/health`)).rejects.toThrow();
    await expect(fetch(terminalUrl)).rejects.toThrow();
  });
});
