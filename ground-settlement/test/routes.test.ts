/**
 * Every route: who may call it (401 without credentials, 403 with the wrong kind), and hostile
 * bodies (malformed, wrong types, unknown fields, oversized, deeply nested, wrong media type)
 * refused with a 4xx and a stable code, with nothing stored. Random hostile input, in numbers, is
 * in `hostile.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Access } from "../src/plugins/access.js";
import { bearer, call, passenger, type TestTerminal } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import {
  ROUTES_BODY_BYTES_MAX,
  type RouteCase,
  type RouteIds,
  routeTable,
  urlOf as routeUrl,
  routeWorld,
  storedCounts,
} from "./support/routes.js";

const BODY_BYTES_MAX = ROUTES_BODY_BYTES_MAX;
/** Codes that mean "not you": the caller was refused before the route did anything. */
const REFUSED_CALLER = ["unauthenticated", "forbidden", "bad_request_signature", "request_replayed"];

describe("every route", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let p: { passengerId: string; token: string };
  let terminal: TestTerminal;
  let table: Record<string, RouteCase>;
  let ids: RouteIds;

  beforeAll(async () => {
    t = await createTestApp("postgres", { BODY_BYTES_MAX: String(BODY_BYTES_MAX) });
    ({ keys, p, terminal, ids } = await routeWorld(t));
    table = routeTable(ids);
  });
  afterAll(async () => {
    await t.close();
  });

  const urlOf = (route: string) => routeUrl(route, ids);
  const counts = () => storedCounts(t);

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
      // A caller the route allows: a route for finance only is sent finance's key.
      const staffKey = spec.access.includes("ops") ? keys.ops : keys.finance;
      const auth = spec.access.includes("public") ? {} : spec.access.includes("passenger") ? bearer(p.token) : bearer(staffKey);
      // A terminal's route takes its signed requests only: each hostile body is signed as sent.
      const send = (payload: string, contentType = "application/json") =>
        spec.access.join() === "terminal"
          ? t.app.inject(terminal.request("POST", url, { body: Buffer.from(payload), contentType }))
          : t.app.inject({ method, url, headers: { ...auth, "content-type": contentType }, payload });
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
      // A terminal signs the bytes the ground reads: a body of a type it does not read fails the signature.
      const refusals = spec.access.join() === "terminal" ? ["401 bad_request_signature"] : ["400", "415"];
      const answer = `${wrongType.statusCode}${spec.access.join() === "terminal" ? ` ${wrongType.json().code}` : ""}`;
      expect(refusals, `${route} text/plain`).toContain(answer);
    }
    expect(await counts()).toEqual(before);
  });
});
