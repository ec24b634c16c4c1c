/**
 * Hostile input in numbers: property-based and random requests against every route of the API —
 * wrong types, unknown fields, random JSON, raw bytes under any media type, huge and deeply
 * nested bodies, bad paths and queries, bad bearer tokens, bad terminal signatures, and signed
 * batches of random or damaged bytes. Each answer must be a 4xx whose code is in the catalogue
 * with the catalogue's status; nothing is stored (refused batches are kept as evidence, by design)
 * and the service answers its health check afterwards. The cases tried are counted and printed.
 */
import { TERMINAL_REQUEST_HEADERS } from "@cabinpay/shared";
import { RecordChain } from "@cabinpay/testkit/record-chain";
import fc from "fast-check";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../src/errors.js";
import { bearer, type TestTerminal } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { FLIGHT_9C8850 } from "./support/cabin.js";
import {
  ROUTES_BODY_BYTES_MAX,
  type RouteCase,
  type RouteIds,
  routeTable,
  routeWorld,
  storedCounts,
  UUID,
  urlOf,
} from "./support/routes.js";

const BODY_BYTES_MAX = ROUTES_BODY_BYTES_MAX;
/** Cases per property, scaled per kind below: about 3,300 requests, 10 s. */
const RUNS = 200;
const MEDIA_TYPES = ["application/json", "text/plain", "text/csv", "application/octet-stream", "multipart/form-data; boundary=x", "x/y"];

describe("hostile input against every route", () => {
  let t: TestApp;
  let keys: { ops: string; finance: string };
  let p: { passengerId: string; token: string };
  let terminal: TestTerminal;
  let ids: RouteIds;
  let voucherText: string;
  let table: [string, RouteCase][];
  let before: Record<string, number>;
  const tried: Record<string, number> = {};

  beforeAll(async () => {
    t = await createTestApp("postgres", { BODY_BYTES_MAX: String(BODY_BYTES_MAX) });
    ({ keys, p, terminal, ids, voucherText } = await routeWorld(t));
    table = Object.entries(routeTable(ids));
    // Refused batches are kept as evidence, signed requests spend nonces: both grow by design.
    before = await storedCounts(t, ["request_nonces", "rejected_batches"]);
  });
  afterAll(async () => {
    const total = Object.values(tried).reduce((sum, n) => sum + n, 0);
    console.log(`hostile input: ${total.toLocaleString("en-US")} requests refused as they should be`, tried);
    await t.close();
  });

  const methodOf = (route: string) => route.split(" ")[0] as "GET" | "POST" | "PUT" | "DELETE";
  /** The credentials a caller allowed on the route would send. */
  const allowedAuth = (spec: RouteCase): Record<string, string> =>
    spec.access.includes("public") || spec.access.includes("terminal")
      ? {}
      : spec.access.includes("passenger")
        ? bearer(p.token)
        : bearer(spec.access.includes("ops") ? keys.ops : keys.finance);
  const withBody = () => table.filter(([, spec]) => spec.body !== undefined);
  /** A request carrying `payload` as an allowed caller sends it: a terminal's route takes it signed, bytes as sent. */
  const bodyRequest = (route: string, spec: RouteCase, payload: string | Buffer, contentType: string): InjectOptions => {
    const url = urlOf(route, ids);
    if (spec.access.join() === "terminal") return terminal.request("POST", url, { body: Buffer.from(payload), contentType });
    return { method: methodOf(route), url, headers: { ...allowedAuth(spec), "content-type": contentType }, payload };
  };
  const guarded = () => table.filter(([, spec]) => !spec.access.includes("public") && !spec.access.includes("terminal"));

  /** A 4xx with a catalogued code at the catalogue's status, counted under `kind`. */
  async function expectRefused(kind: string, request: InjectOptions): Promise<LightMyRequestResponse> {
    const response = await t.app.inject(request);
    const label = `${kind}: ${request.method} ${request.url} → ${response.statusCode} ${response.body.slice(0, 160)}`;
    expect(response.statusCode, label).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, label).toBeLessThan(500);
    const code = response.json().code as keyof typeof ERROR_STATUS;
    expect(Object.keys(ERROR_STATUS), label).toContain(code);
    expect(ERROR_STATUS[code], label).toBe(response.statusCode);
    tried[kind] = (tried[kind] ?? 0) + 1;
    return response;
  }

  const jsonType = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

  it("wrong types in any field of any body", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...withBody())
          .chain(([route, spec]) =>
            fc.tuple(fc.constant(route), fc.constant(spec), fc.constantFrom(...Object.keys(spec.body!)), fc.jsonValue({ maxDepth: 3 })),
          ),
        async ([route, spec, key, value]) => {
          fc.pre(jsonType(value) !== jsonType(spec.body![key]));
          await expectRefused("wrong type", bodyRequest(route, spec, JSON.stringify({ ...spec.body, [key]: value }), "application/json"));
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it("unknown fields and random JSON in place of any body", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withBody()),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.jsonValue({ maxDepth: 3 }),
        async ([route, spec], key, value) => {
          fc.pre(!(key in spec.body!) && key !== "__proto__");
          await expectRefused(
            "unknown field",
            bodyRequest(route, spec, JSON.stringify({ ...spec.body, [key]: value }), "application/json"),
          );
        },
      ),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withBody()), fc.jsonValue({ maxDepth: 4 }), async ([route, spec], value) => {
        await expectRefused("random JSON", bodyRequest(route, spec, JSON.stringify(value), "application/json"));
      }),
      { numRuns: RUNS },
    );
  });

  it("raw bytes under any media type, huge bodies and deep nesting", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withBody()),
        fc.uint8Array({ maxLength: 2_048 }),
        fc.constantFrom(...MEDIA_TYPES),
        async ([route, spec], bytes, contentType) => {
          // Bytes that happen to be the valid body would be a valid request, not a hostile one.
          fc.pre(Buffer.from(bytes).toString() !== JSON.stringify(spec.body));
          await expectRefused("raw bytes", bodyRequest(route, spec, Buffer.from(bytes), contentType));
        },
      ),
      { numRuns: RUNS * 2 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withBody()),
        fc.integer({ min: BODY_BYTES_MAX, max: 4 * BODY_BYTES_MAX }),
        fc.integer({ min: 50, max: 20_000 }),
        fc.boolean(),
        async ([route, spec], hugeChars, depth, huge) => {
          const key = Object.keys(spec.body!)[0]!;
          const payload = huge
            ? JSON.stringify({ ...spec.body, [key]: "x".repeat(hugeChars) })
            : JSON.stringify({ ...spec.body, [key]: "PLACE" }).replace('"PLACE"', `${"[".repeat(depth)}${"]".repeat(depth)}`);
          const response = await expectRefused(huge ? "huge body" : "deep nesting", bodyRequest(route, spec, payload, "application/json"));
          if (huge) expect(response.json().code).toBe("body_too_large");
        },
      ),
      { numRuns: RUNS / 2 },
    );
  });

  it("bad paths and queries", async () => {
    const withParams = table.filter(([route]) => route.includes(":"));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withParams),
        fc.oneof(fc.string({ maxLength: 60 }), fc.uuid(), fc.constant("../../etc/passwd"), fc.constant("%00"), fc.constant(UUID)),
        async ([route, spec], param) => {
          const url = route.split(" ")[1]!.replace(/:\w+/, encodeURIComponent(param) || "%20");
          const request: InjectOptions = {
            method: methodOf(route),
            url: url.replace(/:\w+/g, UUID),
            headers: { ...allowedAuth(spec), ...(spec.body === undefined ? {} : { "content-type": "application/json" }) },
            ...(spec.body === undefined ? {} : { payload: JSON.stringify(spec.body) }),
          };
          if (spec.access.includes("terminal")) Object.assign(request, terminal.request(methodOf(route) as "GET", request.url as string));
          await expectRefused("bad path", request);
        },
      ),
      { numRuns: RUNS * 2 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom("carrier", "number", "date", "limit", "x", ""), fc.string({ maxLength: 30 })),
        async (query) => {
          fc.pre(!(query["carrier"] === "9C" && query["number"] === "8850"));
          const search = new URLSearchParams(query).toString();
          // A search that finds nothing is an empty list, not an error: only malformed ones are refused.
          const response = await t.app.inject({ method: "GET", url: `/flights?${search}` });
          if (response.statusCode === 200) expect(response.json().flights).toEqual([]);
          else await expectRefused("bad query", { method: "GET", url: `/flights?${search}` });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("bad bearer tokens on every guarded route", async () => {
    const tokens = fc.oneof(
      fc.string({ maxLength: 200 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
      fc.string({ maxLength: 80 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, "")}`),
      fc
        .constantFrom("Bearer cpk_", "Bearer cps_", "Bearer cpw_")
        .chain((prefix) => fc.base64String({ maxLength: 64 }).map((s) => prefix + s)),
      fc
        .nat({ max: keys.ops.length - 1 })
        .map((at) => `Bearer ${keys.ops.slice(0, at)}${keys.ops[at] === "A" ? "B" : "A"}${keys.ops.slice(at + 1)}`),
      fc.constantFrom("Basic b3BzOm9wcw==", "Bearer", "bearer  ", `Bearer ${keys.ops} ${keys.ops}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...guarded()), tokens, async ([route, spec], authorization) => {
        fc.pre(authorization.trim() !== `Bearer ${keys.ops}` && authorization.trim() !== `Bearer ${keys.finance}`);
        const response = await expectRefused("bad bearer token", {
          method: methodOf(route),
          url: urlOf(route, ids),
          headers: { authorization, ...(spec.body === undefined ? {} : { "content-type": "application/json" }) },
          ...(spec.body === undefined ? {} : { payload: JSON.stringify(spec.body) }),
        });
        expect(response.statusCode).toBe(401);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("bad terminal signatures", async () => {
    const terminalRoutes = table.filter(([, spec]) => spec.access.includes("terminal"));
    const H = TERMINAL_REQUEST_HEADERS;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...terminalRoutes),
        fc.constantFrom(H.terminalId, H.timestampMs, H.nonce, H.signature, "body"),
        fc.string({ maxLength: 90 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
        async ([route], part, value) => {
          const method = methodOf(route) === "GET" ? "GET" : "POST";
          fc.pre(part !== "body" || method === "POST");
          const body = Buffer.from("signed bytes");
          const signed = terminal.request(method, urlOf(route, ids), method === "POST" ? { body } : {});
          const headers = { ...(signed.headers as Record<string, string>) };
          // Change one part of what was signed: a header, or the body after signing.
          if (part === "body") {
            await expectRefused("bad terminal signature", { ...signed, payload: Buffer.concat([body, Buffer.from(value || "x")]) });
            return;
          }
          fc.pre(value !== headers[part]);
          headers[part] = value;
          const response = await expectRefused("bad terminal signature", { ...signed, headers });
          expect(response.json().code).toBe("bad_request_signature");
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it("signed batches of random or damaged bytes", async () => {
    const url = `/terminal/flights/${ids.flightId}/batches`;
    // A good batch (a sale and the close), never sent whole: only random, damaged or cut copies.
    const chain = new RecordChain(terminal, FLIGHT_9C8850, "A", () => t.clock.nowMs);
    chain.sale(voucherText, [{ sku: "DR-COF-300", quantity: 1, unitPriceMinor: 2_000 }]);
    chain.close();
    const good = chain.batch();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 4_096 }),
          fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
            const damaged = good.slice();
            damaged[at]! ^= xor;
            return damaged;
          }),
          fc.nat({ max: good.length - 1 }).map((length) => good.slice(0, length)),
        ),
        async (bytes) => {
          fc.pre(bytes.length > 0);
          await expectRefused("signed hostile batch", terminal.request("POST", url, { body: Buffer.from(bytes) }));
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it("stored nothing, and the service still answers", async () => {
    expect(await storedCounts(t, ["request_nonces", "rejected_batches"])).toEqual(before);
    expect((await t.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    expect((await t.app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
  });
});
