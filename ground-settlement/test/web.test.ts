/**
 * The ground for browsers: web sessions in HTTP-only SameSite cookies, CSRF tokens on everything
 * that changes something, rate limits on log-in, security headers, and the pages under /app/.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registrations } from "../src/db/schema/registrations.js";
import { createStaffUser } from "../src/services/staff.js";
import { createFlight, loadFlight, passenger, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";

const PASSWORD = "correct horse battery";

describe("the ground for browsers", () => {
  let t: TestApp;
  let flightId: string;
  let email: string;
  let opsKey: string;
  const webDir = mkdtempSync(join(tmpdir(), "cabinpay-web-"));

  beforeAll(async () => {
    mkdirSync(join(webDir, "assets"));
    writeFileSync(
      join(webDir, "index.html"),
      '<!doctype html><html lang="en"><head><title>CabinPay</title><link rel="stylesheet" crossorigin href="/app/assets/app.css"></head><body><div id="root"></div></body></html>',
    );
    writeFileSync(join(webDir, "assets", "app.js"), "console.log('pages')");
    t = await createTestApp("pglite", { WEB_DIR: webDir, LOGIN_ATTEMPTS_PER_MINUTE: "12" });
    const { ops } = await staffKeys(t);
    opsKey = ops;
    ({ flightId } = await createFlight(t, ops));
    await loadFlight(t, ops, flightId);
    await passenger(t, ops, 100_000);
    email = `web-${Date.now()}@example.com`;
    await t.app.inject({ method: "POST", url: "/passengers", payload: { email, password: PASSWORD, displayName: "WEB/USER" } });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Logged in from `remoteAddress`: each address has its own budget of log-in attempts. */
  const logIn = async (who = email, remoteAddress = "127.0.0.1") => {
    const response = await t.app.inject({
      method: "POST",
      url: "/web/session",
      payload: { email: who, password: PASSWORD },
      remoteAddress,
    });
    expect(response.statusCode).toBe(201);
    const cookie = response.cookies.find((c) => c.name === "cabinpay_session")!;
    return { cookie, csrfToken: response.json().csrfToken as string, header: `cabinpay_session=${cookie.value}` };
  };

  it("keeps the web session in an HTTP-only, SameSite=Strict cookie the page never sees", async () => {
    const { cookie, csrfToken, header } = await logIn();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    expect(csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await t.app.inject({ method: "GET", url: "/me", headers: { cookie: header } });
    expect(me.statusCode).toBe(200);
    expect(JSON.stringify(me.json())).not.toContain(cookie.value);
    const again = await t.app.inject({ method: "GET", url: "/web/session", headers: { cookie: header } });
    expect(again.json()).toEqual({ passengerId: me.json().passengerId, csrfToken });
  });

  it("refuses a change without the session's CSRF token, and stores nothing", async () => {
    const { csrfToken, header } = await logIn();
    const before = (await t.db.select().from(registrations)).length;
    const oneCharOff = `${csrfToken.slice(0, -1)}${csrfToken.endsWith("A") ? "B" : "A"}`;
    for (const token of [undefined, "x".repeat(43), oneCharOff]) {
      const refused = await t.app.inject({
        method: "POST",
        url: "/registrations",
        headers: { cookie: header, ...(token === undefined ? {} : { "x-csrf-token": token }) },
        payload: { flightId, capMinor: 100 },
      });
      expect([refused.statusCode, refused.json().code]).toEqual([403, "csrf_failed"]);
    }
    expect(await t.db.select().from(registrations)).toHaveLength(before);
    const accepted = await t.app.inject({
      method: "POST",
      url: "/registrations",
      headers: { cookie: header, "x-csrf-token": csrfToken },
      payload: { flightId, capMinor: 100 },
    });
    expect(accepted.statusCode).toBe(422); // past CSRF: this passenger has no money to hold (insufficient funds)
  });

  it("ends the session on log-out: the cookie is cleared and no longer works", async () => {
    const { csrfToken, header } = await logIn();
    const out = await t.app.inject({ method: "DELETE", url: "/web/session", headers: { cookie: header, "x-csrf-token": csrfToken } });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === "cabinpay_session")?.value).toBe("");
    expect((await t.app.inject({ method: "GET", url: "/me", headers: { cookie: header } })).statusCode).toBe(401);
  });

  it("gives ops and finance people web sessions with their role enforced on every call, and CSRF tokens", async () => {
    const password = "finance person password";
    await createStaffUser(t.db, {
      email: "fin@example.com",
      displayName: "Fin Ance",
      role: "finance",
      password,
      nowMs: t.clock.nowMs,
      costLog2N: 10,
    });
    await createStaffUser(t.db, {
      email: "ops@example.com",
      displayName: "O Ps",
      role: "ops",
      password,
      nowMs: t.clock.nowMs,
      costLog2N: 10,
    });
    const staffLogIn = async (staffEmail: string) => {
      const response = await t.app.inject({ method: "POST", url: "/web/staff-session", payload: { email: staffEmail, password } });
      expect(response.statusCode).toBe(201);
      const cookie = response.cookies.find((c) => c.name === "cabinpay_session")!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
      return { header: `cabinpay_session=${cookie.value}`, csrfToken: response.json().csrfToken as string, role: response.json().role };
    };
    const finance = await staffLogIn("fin@example.com");
    expect(finance.role).toBe("finance");
    expect((await t.app.inject({ method: "GET", url: "/finance/flights", headers: { cookie: finance.header } })).statusCode).toBe(200);
    const notOps = await t.app.inject({ method: "GET", url: "/ops/terminals", headers: { cookie: finance.header } });
    expect([notOps.statusCode, notOps.json().code]).toEqual([403, "forbidden"]);
    const ops = await staffLogIn("ops@example.com");
    const noCsrf = await t.app.inject({
      method: "POST",
      url: "/ops/enrolment-codes",
      headers: { cookie: ops.header },
      payload: { name: "T" },
    });
    expect([noCsrf.statusCode, noCsrf.json().code]).toEqual([403, "csrf_failed"]);
    const made = await t.app.inject({
      method: "POST",
      url: "/ops/enrolment-codes",
      headers: { cookie: ops.header, "x-csrf-token": ops.csrfToken },
      payload: { name: "T" },
    });
    expect(made.statusCode).toBe(201);
    const wrong = await t.app.inject({
      method: "POST",
      url: "/web/staff-session",
      payload: { email: "fin@example.com", password: "not the password" },
    });
    expect([wrong.statusCode, wrong.json().code]).toEqual([401, "invalid_credentials"]);
    // A passenger's web session opens no staff page.
    const passengerSession = await logIn();
    expect((await t.app.inject({ method: "GET", url: "/finance/flights", headers: { cookie: passengerSession.header } })).statusCode).toBe(
      403,
    );
    const out = await t.app.inject({
      method: "DELETE",
      url: "/web/staff-session",
      headers: { cookie: finance.header, "x-csrf-token": finance.csrfToken },
    });
    expect(out.statusCode).toBe(204);
    expect((await t.app.inject({ method: "GET", url: "/finance/flights", headers: { cookie: finance.header } })).statusCode).toBe(401);
  });

  it("draws a printed voucher into its page for its own passenger only, allowed by the style's hash", async () => {
    const ownerEmail = `first-paint-${Date.now()}@example.com`;
    const signedUp = await t.app.inject({
      method: "POST",
      url: "/passengers",
      payload: { email: ownerEmail, password: PASSWORD, displayName: "CHEN/JING MS" },
    });
    const { passengerId, token } = signedUp.json();
    await t.app.inject({
      method: "POST",
      url: "/ops/wallets/fund",
      headers: { authorization: `Bearer ${opsKey}` },
      payload: { transferId: crypto.randomUUID(), passengerId, currency: "CNY", amountMinor: 50_000 },
    });
    const registered = await t.app.inject({
      method: "POST",
      url: "/registrations",
      headers: { authorization: `Bearer ${token}` },
      payload: { flightId, capMinor: 30_000, seat: "14C" },
    });
    const voucherPath = `/app/passenger/vouchers/${registered.json().registrationId}`;
    const owner = await logIn(ownerEmail, "192.0.2.10");
    const page = await t.app.inject({
      method: "GET",
      url: voucherPath,
      headers: { cookie: owner.header, "accept-language": "zh-CN,zh;q=0.9" },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<main id="first-paint"');
    expect(page.body).toContain('<html lang="zh-Hans-CN">');
    expect(page.body).toMatch(/<svg [^>]*viewBox="0 0 \d+ \d+"/);
    expect(page.body).toContain("CHEN/JING MS · 座位 14C");
    expect(page.body).toContain("机上最多可消费 ¥300.00。");
    // The app's stylesheet comes after the drawing, so it holds nothing above it back.
    expect(page.body.indexOf('id="first-paint"')).toBeLessThan(page.body.indexOf('rel="stylesheet"'));
    expect(page.headers["cache-control"]).toBe("private, no-store");
    const style = /<style>([^<]*)<\/style>/.exec(page.body)![1]!;
    const hash = createHash("sha256").update(style).digest("base64");
    expect(page.headers["content-security-policy"]).toContain(`style-src 'self' 'sha256-${hash}'`);
    expect(page.headers["content-security-policy"]).toContain("script-src 'self';");
    const english = await t.app.inject({ method: "GET", url: voucherPath, headers: { cookie: owner.header, "accept-language": "en-GB" } });
    expect(english.body).toContain("CHEN/JING MS · seat 14C");

    // Anyone else gets the app alone, which says "not found" as before: no name, no code.
    const otherEmail = `other-${Date.now()}@example.com`;
    await t.app.inject({
      method: "POST",
      url: "/passengers",
      payload: { email: otherEmail, password: PASSWORD, displayName: "OTHER/ONE" },
    });
    const other = await logIn(otherEmail, "192.0.2.11");
    for (const headers of [{}, { cookie: other.header }, { cookie: "cabinpay_session=cps_forged" }]) {
      const plain = await t.app.inject({ method: "GET", url: voucherPath, headers });
      expect(plain.statusCode).toBe(200);
      expect(plain.body).not.toContain("first-paint");
      expect(plain.body).not.toContain("CHEN/JING");
      expect(plain.headers["content-security-policy"]).toContain("style-src 'self';");
    }
    // A cancelled voucher is no longer drawn.
    await t.app.inject({
      method: "DELETE",
      url: `/registrations/${registered.json().registrationId}`,
      headers: { authorization: `Bearer ${token}` },
    });
    const cancelled = await t.app.inject({ method: "GET", url: voucherPath, headers: { cookie: owner.header } });
    expect(cancelled.body).not.toContain("first-paint");
  });

  it("limits log-in attempts per address", async () => {
    let last = 0;
    for (let attempt = 0; attempt < 12; attempt++) {
      last = (await t.app.inject({ method: "POST", url: "/web/session", payload: { email, password: "wrong password!" } })).statusCode;
    }
    expect(last).toBe(429);
    const limited = await t.app.inject({ method: "POST", url: "/web/session", payload: { email, password: PASSWORD } });
    expect([limited.statusCode, limited.json().code]).toEqual([429, "rate_limited"]);
  });

  it("sends security headers, and serves the pages under /app/ with a strict CSP", async () => {
    const health = await t.app.inject({ method: "GET", url: "/health" });
    expect(health.headers).toMatchObject({
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "SAMEORIGIN",
    });
    expect((await t.app.inject({ method: "GET", url: "/" })).headers.location).toBe("/app/");
    for (const path of ["/app/", "/app/passenger/vouchers/x", "/app/assets/app.js"]) {
      const page = await t.app.inject({ method: "GET", url: path });
      expect(page.statusCode, path).toBe(200);
      expect(page.headers["content-security-policy"], path).toContain("script-src 'self'");
    }
    expect((await t.app.inject({ method: "GET", url: "/app/../package.json" })).body).not.toContain("@cabinpay/ground-settlement");
  });
});
