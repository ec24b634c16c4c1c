import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../src/auth/passwords.js";
import { PASSWORD_COST_LOG2N } from "../src/runtime/bootstrap.js";
import { SESSION_TTL_MS } from "../src/services/passengers.js";
import { createStaffUser } from "../src/services/staff.js";
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

describe("log-in timing (issue 15, point 8)", () => {
  let t: TestApp;
  const COST_LOG2N = 14; // the production cost is 15; 14 keeps the test short and the gap as wide
  beforeAll(async () => {
    t = await createTestApp("pglite", {}, { passwordCostLog2N: COST_LOG2N });
    await call(
      t.app,
      { method: "POST", url: "/passengers", payload: { email: "known@example.com", password: "a long enough password", displayName: "K" } },
      201,
    );
    await createStaffUser(t.db, {
      email: "staff@example.com",
      displayName: "S",
      role: "finance",
      password: "a long enough password",
      nowMs: t.clock.nowMs,
      costLog2N: COST_LOG2N,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Median answer time of a refused log-in, in ms. */
  const medianMs = async (url: string, email: string) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const response = await t.app.inject({ method: "POST", url, payload: { email, password: "not the password" } });
      times.push(performance.now() - start);
      expect(response.json().code).toBe("invalid_credentials");
    }
    return times.sort((a, b) => a - b)[2]!;
  };

  it.each([
    ["passenger", "/sessions", "known@example.com"],
    ["staff", "/web/staff-session", "staff@example.com"],
  ])("takes as long for an unknown e-mail as for a known one (%s)", async (_who, url, known) => {
    // Warm up both paths first: the first requests after start pay one-time costs (compiling the
    // route's schemas, the database's first plans) that made the known e-mail's first three twice
    // as slow, which is no answer to whether an e-mail exists.
    await medianMs(url, known);
    await medianMs(url, "nobody@example.com");
    const knownMs = await medianMs(url, known);
    const unknownMs = await medianMs(url, "nobody@example.com");
    // The same scrypt work either way; a dummy at cost 10 made the unknown e-mail about 16 times faster.
    expect(unknownMs / knownMs).toBeGreaterThan(0.5);
    expect(unknownMs / knownMs).toBeLessThan(2);
  });
});
