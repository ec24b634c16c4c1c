/**
 * Every route: who may call it (401 without credentials, 403 with the wrong kind), and hostile
 * bodies (malformed, wrong types, unknown fields, oversized, deeply nested, wrong media type,
 * random JSON) refused with a 4xx and a stable code, with nothing stored.
 */
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../src/db/client.js";
import type { Access } from "../src/plugins/access.js";
import { bearer, call, createFlight, enrolTerminal, loadFlight, passenger, staffKeys, type TestTerminal } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";

const UUID = "0193c000-0000-7000-8000-000000000000";
const BODY_BYTES_MAX = 64 * 1024;
/** Codes that mean "not you": the caller was refused before the route did anything. */
const REFUSED_CALLER = ["unauthenticated", "forbidden", "bad_request_signature", "request_replayed"];

interface RouteCase {
  readonly access: readonly Access[];
  /** A body that passes validation (for POST/PUT), to which hostile changes are made. */
  readonly body?: Record<string, unknown>;
}

/** Who may call each route. The keys must match the API exactly (checked against OpenAPI). */
function routeTable(ids: { flightId: string; terminalId: string; registrationId: string; passengerId: string }): Record<string, RouteCase> {
  return {
    "GET /health": { access: ["public"] },
    "GET /ready": { access: ["public"] },
    "POST /passengers": { access: ["public"], body: { email: "new@example.com", password: "long enough password", displayName: "New" } },
    "POST /sessions": { access: ["public"], body: { email: "nobody@example.com", password: "whatever" } },
    "DELETE /sessions/current": { access: ["passenger"] },
    "GET /me": { access: ["passenger"] },
    "POST /ops/wallets/fund": {
      access: ["ops"],
      body: { transferId: UUID, passengerId: ids.passengerId, currency: "CNY", amountMinor: 1 },
    },
    "POST /ops/flights": {
      access: ["ops"],
      body: {
        carrier: "9C",
        number: "1",
        date: "2026-12-09",
        origin: "PVG",
        destination: "CTU",
        currency: "CNY",
        departureAtMs: 1_796_000_000_000,
        capMaxMinor: 1,
      },
    },
    "GET /flights": { access: ["public"] },
    "GET /flights/:flightId": { access: ["public"] },
    "PUT /ops/flights/:flightId/catalog": {
      access: ["ops"],
      body: { items: [{ sku: "X-1", nameEn: "X", nameZh: "", category: "snack", priceMinor: 1, stock: { A: 1 } }] },
    },
    "PUT /ops/flights/:flightId/crew": { access: ["ops"], body: { crew: [{ crewId: "C1", name: "C", role: "crew", pin: "1234" }] } },
    "GET /ops/issuer-keys": { access: ["ops"] },
    "POST /ops/issuer-keys/rotate": { access: ["ops"] },
    "POST /registrations": { access: ["passenger"], body: { flightId: ids.flightId, capMinor: 1 } },
    "GET /registrations": { access: ["passenger"] },
    "GET /registrations/:registrationId": { access: ["passenger"] },
    "GET /registrations/:registrationId/qr.svg": { access: ["passenger"] },
    "GET /registrations/:registrationId/qr.png": { access: ["passenger"] },
    "DELETE /registrations/:registrationId": { access: ["passenger"] },
    "POST /ops/enrolment-codes": { access: ["ops"], body: { name: "T" } },
    "POST /terminals/enrol": { access: ["public"], body: { code: "ZZZZ-ZZZZ-ZZZZ", publicKey: "A".repeat(43) } },
    "PUT /ops/flights/:flightId/terminals/:terminalId": { access: ["ops"] },
    "GET /ops/terminals": { access: ["ops"] },
    "GET /terminal/flights/:flightId/manifest": { access: ["terminal"] },
    "GET /terminal/flights/:flightId/chain": { access: ["terminal"] },
    "POST /terminal/flights/:flightId/batches": { access: ["terminal"] },
    "POST /ops/flights/:flightId/close": { access: ["ops"] },
    "GET /finance/ledger": { access: ["finance", "ops"] },
    "GET /finance/flights": { access: ["finance", "ops"] },
    "GET /finance/flights/:flightId/reconciliation": { access: ["finance", "ops"] },
    "GET /finance/flights/:flightId/reconciliation.csv": { access: ["finance", "ops"] },
    "GET /me/statement": { access: ["passenger"] },
    "POST /web/session": { access: ["public"], body: { email: "nobody@example.com", password: "whatever" } },
    "GET /web/session": { access: ["passenger"] },
    "DELETE /web/session": { access: ["passenger"] },
    "POST /web/staff-session": { access: ["public"], body: { email: "nobody@example.com", password: "whatever" } },
    "GET /web/staff-session": { access: ["ops", "finance"] },
    "DELETE /web/staff-session": { access: ["ops", "finance"] },
    "GET /finance/attention": { access: ["finance", "ops"] },
    "POST /finance/attention/:recordId/retry": { access: ["finance", "ops"] },
    "POST /finance/attention/:recordId/collected-elsewhere": { access: ["finance", "ops"], body: { note: "paid by card" } },
  };
}

describe("every route", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let p: { passengerId: string; token: string };
  let terminal: TestTerminal;
  let table: Record<string, RouteCase>;
  let ids: { flightId: string; terminalId: string; registrationId: string; passengerId: string };

  beforeAll(async () => {
    t = await createTestApp("postgres", { BODY_BYTES_MAX: String(BODY_BYTES_MAX) });
    keys = await staffKeys(t);
    const { flightId } = await createFlight(t, keys.ops);
    await loadFlight(t, keys.ops, flightId);
    terminal = await enrolTerminal(t, keys.ops, flightId);
    p = await passenger(t, keys.ops, 50_000);
    const { registrationId } = (
      await call(t.app, { method: "POST", url: "/registrations", headers: bearer(p.token), payload: { flightId, capMinor: 100 } }, 201)
    ).json();
    ids = { flightId, terminalId: terminal.terminalId, registrationId, passengerId: p.passengerId };
    table = routeTable(ids);
  });
  afterAll(async () => {
    await t.close();
  });

  const urlOf = (route: string) =>
    route
      .split(" ")[1]!
      .replace(":flightId", ids.flightId)
      .replace(":terminalId", ids.terminalId)
      .replace(":registrationId", ids.registrationId)
      .replace(":recordId", UUID)
      .replace("/flights?", "/flights?")
      .concat(route === "GET /flights" ? "?carrier=9C&number=8850" : "");

  async function counts(): Promise<Record<string, number>> {
    const tables = await queryRows<{ table_name: string }>(
      t.db,
      sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    const out: Record<string, number> = {};
    for (const { table_name } of tables) {
      if (table_name === "request_nonces" || table_name.startsWith("__")) continue; // signed probes spend nonces by design
      const [row] = await queryRows<{ n: number }>(t.db, sql.raw(`SELECT count(*)::int AS n FROM "${table_name}"`));
      out[table_name] = row!.n;
    }
    return out;
  }

  it("are all in the access table, and the table has no route the API lacks", async () => {
    const spec = (await call(t.app, { method: "GET", url: "/docs/json" }, 200)).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    expect(routes.sort()).toEqual(Object.keys(table).sort());
  });

  it("answer 401 without credentials and 403 to the wrong kind of caller", async () => {
    const callers = {
      anonymous: {},
      passenger: bearer(p.token),
      ops: bearer(keys.ops),
      finance: bearer(keys.finance),
    } as const;
    for (const [route, spec] of Object.entries(table)) {
      const method = route.split(" ")[0] as "GET";
      const url = urlOf(route);
      const payload = spec.body;
      for (const [kind, callerHeaders] of Object.entries(callers)) {
        // Logging out ends the session it is called with: give it one of its own.
        const headers =
          (route === "DELETE /sessions/current" || route === "DELETE /web/session") && kind === "passenger"
            ? bearer((await passenger(t, keys.ops, 0)).token)
            : callerHeaders;
        const response = await t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
        const allowed = spec.access.includes("public") || spec.access.includes(kind as Access);
        const label = `${kind} → ${route}: ${response.statusCode} ${response.body.slice(0, 120)}`;
        const code = response.statusCode >= 400 ? response.json().code : "ok";
        if (allowed) expect(REFUSED_CALLER, label).not.toContain(code);
        else {
          expect(response.statusCode, label).toBe(kind === "anonymous" || spec.access.join() === "terminal" ? 401 : 403);
          expect(REFUSED_CALLER, label).toContain(code);
        }
      }
      const signed = await t.app.inject(terminal.request(method === "GET" ? "GET" : "POST", url));
      if (method === "GET") {
        const allowed = spec.access.includes("public") || spec.access.includes("terminal");
        const code = signed.statusCode >= 400 ? signed.json().code : "ok";
        if (allowed) expect(REFUSED_CALLER, `terminal → ${route}`).not.toContain(code);
        else expect(`${signed.statusCode} ${code}`, `terminal → ${route}`).toBe("403 forbidden");
      }
    }
  });

  it("refuse hostile bodies with a 4xx and a stable code, storing nothing", async () => {
    const before = await counts();
    const withBody = Object.entries(table).filter(([, spec]) => spec.body !== undefined);
    for (const [route, spec] of withBody) {
      const method = route.split(" ")[0] as "POST" | "PUT";
      const url = urlOf(route);
      const auth = spec.access.includes("public") ? {} : spec.access.includes("passenger") ? bearer(p.token) : bearer(keys.ops);
      const send = (payload: string, contentType = "application/json") =>
        t.app.inject({ method, url, headers: { ...auth, "content-type": contentType }, payload });
      const expectRefused = async (payload: string, status: number, code: string, contentType?: string) => {
        const response = await send(payload, contentType);
        expect(`${route} ${response.statusCode} ${response.json().code}`).toBe(`${route} ${status} ${code}`);
      };
      const valid = spec.body!;
      await expectRefused('{"email": ', 400, "malformed_json");
      await expectRefused(JSON.stringify({ ...valid, unexpected: true }), 400, "validation_failed");
      const firstKey = Object.keys(valid)[0]!;
      await expectRefused(JSON.stringify({ ...valid, [firstKey]: { nested: [1, 2, 3] } }), 400, "validation_failed");
      await expectRefused(JSON.stringify([valid]), 400, "validation_failed");
      await expectRefused(JSON.stringify({ ...valid, padding: "x".repeat(BODY_BYTES_MAX) }), 413, "body_too_large");
      await expectRefused(`${"[".repeat(10_000)}${"]".repeat(10_000)}`, 400, "validation_failed");
      await expectRefused('{"__proto__": {"admin": true}}', 400, "malformed_json");
      const wrongType = await send(JSON.stringify(valid), "text/plain");
      expect([400, 415], `${route} text/plain`).toContain(wrongType.statusCode);
    }
    // Random JSON: only 4xx answers, never a 5xx.
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withBody), fc.jsonValue({ maxDepth: 4 }), async ([route, spec], value) => {
        const auth = spec.access.includes("public") ? {} : spec.access.includes("passenger") ? bearer(p.token) : bearer(keys.ops);
        const response = await t.app.inject({
          method: route.split(" ")[0] as "POST",
          url: urlOf(route),
          headers: { ...auth, "content-type": "application/json" },
          payload: JSON.stringify(value),
        });
        expect(response.statusCode, `${route} ${JSON.stringify(value).slice(0, 80)}`).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        expect(typeof response.json().code).toBe("string");
      }),
      { numRuns: 300 },
    );
    expect(await counts()).toEqual(before);
  });
});
