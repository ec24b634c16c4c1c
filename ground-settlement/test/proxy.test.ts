/**
 * Behind a TLS proxy (issue 15, points 9 and 10): with TRUST_PROXY naming the proxy, session
 * cookies are `Secure` and rate limits count the real client addresses; without it, forwarded
 * headers change nothing. One bucket per client across every log-in route, and enrolment-code
 * guesses are limited too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createTestApp, type TestApp } from "./support/app.js";

const PASSWORD = "a long enough password";

describe("behind a TLS proxy", () => {
  let proxied: TestApp;
  let direct: TestApp;

  beforeAll(async () => {
    // `inject` connects from 127.0.0.1: here, the proxy.
    proxied = await createTestApp("pglite", { TRUST_PROXY: "127.0.0.1", LOGIN_ATTEMPTS_PER_MINUTE: "3" });
    direct = await createTestApp("pglite", { LOGIN_ATTEMPTS_PER_MINUTE: "3" });
    for (const t of [proxied, direct]) {
      const made = await t.app.inject({
        method: "POST",
        url: "/passengers",
        headers: { "x-forwarded-for": "198.51.100.1" },
        payload: { email: "li@example.com", password: PASSWORD, displayName: "LI/NA" },
      });
      expect(made.statusCode).toBe(201);
    }
  });
  afterAll(async () => {
    await proxied.close();
    await direct.close();
  });

  const logIn = (t: TestApp, client: string, url = "/web/session", password = PASSWORD) =>
    t.app.inject({
      method: "POST",
      url,
      headers: { "x-forwarded-for": client, "x-forwarded-proto": "https" },
      payload: { email: "li@example.com", password },
    });

  it("makes the session cookie Secure when the proxy says the client came over TLS, and only then", async () => {
    const secure = await logIn(proxied, "198.51.100.2");
    expect(secure.cookies.find((c) => c.name === "cabinpay_session")).toMatchObject({ secure: true, httpOnly: true });
    const plain = await direct.app.inject({
      method: "POST",
      url: "/web/session",
      headers: { "x-forwarded-proto": "https" },
      payload: { email: "li@example.com", password: PASSWORD },
    });
    expect(plain.cookies.find((c) => c.name === "cabinpay_session")?.secure).toBeFalsy();
  });

  it("counts log-in attempts per real client, in one bucket across the log-in routes", async () => {
    const guesser = "203.0.113.7";
    expect((await logIn(proxied, guesser, "/sessions", "wrong password!")).statusCode).toBe(401);
    expect((await logIn(proxied, guesser, "/web/session", "wrong password!")).statusCode).toBe(401);
    expect((await logIn(proxied, guesser, "/web/staff-session", "wrong password!")).statusCode).toBe(401);
    const limited = await logIn(proxied, guesser, "/sessions");
    expect([limited.statusCode, limited.json().code]).toEqual([429, "rate_limited"]);
    // Another passenger behind the same proxy is not held back by the guesser.
    expect((await logIn(proxied, "203.0.113.8", "/sessions")).statusCode).toBe(201);
  });

  it("believes no forwarded address without TRUST_PROXY: every client is the proxy", async () => {
    // The sign-up and the first test's log-in counted already, whatever address they named.
    expect((await logIn(direct, "203.0.113.20", "/sessions", "wrong password!")).statusCode).toBe(401);
    expect((await logIn(direct, "203.0.113.21", "/sessions")).statusCode).toBe(429);
  });

  it("limits enrolment-code guesses per client", async () => {
    const guess = () =>
      proxied.app.inject({
        method: "POST",
        url: "/terminals/enrol",
        headers: { "x-forwarded-for": "203.0.113.30" },
        payload: { code: "AAAA-AAAA-AAAA", publicKey: "A".repeat(43) },
      });
    for (let i = 0; i < 3; i++) expect((await guess()).json().code).toBe("enrolment_code_invalid");
    expect((await guess()).json().code).toBe("rate_limited");
  });

  it("refuses a TRUST_PROXY it cannot read, saying what it expects", () => {
    expect(() => loadConfig({ TRUST_PROXY: "the load balancer" })).toThrow(
      /TRUST_PROXY="the load balancer": expected false, true, or proxy addresses/,
    );
    expect(loadConfig({ TRUST_PROXY: "10.0.0.1, 10.1.0.0/16" }).trustProxy).toEqual(["10.0.0.1", "10.1.0.0/16"]);
    expect(loadConfig({}).trustProxy).toBe(false);
  });
});
