import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../src/auth/passwords.js";
import { PASSWORD_COST_LOG2N } from "../src/runtime/bootstrap.js";
import { SESSION_TTL_MS } from "../src/services/passengers.js";
import { bearer, call } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";

describe("passwords", () => {
  it("are scrypt hashes at the production cost, salted, verified in constant time", async () => {
    const hash = await hashPassword("correct horse battery", PASSWORD_COST_LOG2N);
    expect(hash).toMatch(/^scrypt\$15\$8\$1\$/);
    expect(await hashPassword("correct horse battery", PASSWORD_COST_LOG2N)).not.toBe(hash);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterz", hash)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
  });
});

describe("sessions", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp("pglite");
  });
  afterAll(async () => {
    await t.close();
  });

  it("sign up, log in, expire, and end at log-out", async () => {
    const credentials = { email: "Li.Na@Example.com", password: "a long enough password" };
    await call(t.app, { method: "POST", url: "/passengers", payload: { ...credentials, displayName: "Li Na" } }, 201);
    expect((await call(t.app, { method: "POST", url: "/passengers", payload: { ...credentials, displayName: "Li Na" } })).json().code).toBe(
      "email_taken",
    );
    expect(
      (await call(t.app, { method: "POST", url: "/sessions", payload: { ...credentials, password: "wrong password!" } })).json().code,
    ).toBe("invalid_credentials");
    expect(
      (await call(t.app, { method: "POST", url: "/sessions", payload: { email: "nobody@example.com", password: "whatever!" } })).json()
        .code,
    ).toBe("invalid_credentials");
    const { token } = (
      await call(t.app, { method: "POST", url: "/sessions", payload: { ...credentials, email: "li.na@example.com" } }, 201)
    ).json();
    expect((await call(t.app, { method: "GET", url: "/me", headers: bearer(token) }, 200)).json()).toMatchObject({
      email: "li.na@example.com",
      wallets: [],
    });

    t.clock.nowMs += SESSION_TTL_MS;
    expect((await call(t.app, { method: "GET", url: "/me", headers: bearer(token) })).json().code).toBe("unauthenticated");
    t.clock.nowMs -= SESSION_TTL_MS;

    await call(t.app, { method: "DELETE", url: "/sessions/current", headers: bearer(token) }, 204);
    expect((await call(t.app, { method: "GET", url: "/me", headers: bearer(token) })).statusCode).toBe(401);
  });

  it("refuse malformed and unknown tokens", async () => {
    for (const authorization of [
      "Bearer",
      "Basic abc",
      "Bearer cps_short",
      `Bearer cps_${"A".repeat(43)}`,
      `Bearer cpk_${"A".repeat(43)}`,
    ]) {
      expect((await call(t.app, { method: "GET", url: "/me", headers: { authorization } })).json().code).toBe("unauthenticated");
    }
  });
});
