/**
 * The API's routes as the tests know them: who may call each, a body that passes validation, and
 * how to fill in a route's parameters. `routes.test.ts` checks the table against the API itself.
 */
import { sql } from "drizzle-orm";
import { queryRows } from "../../src/db/client.js";
import type { Access } from "../../src/plugins/access.js";
import { createFlight, enrolTerminal, loadFlight, passenger, register, staffKeys, type TestTerminal } from "./actors.js";
import type { TestApp } from "./app.js";

export const UUID = "0193c000-0000-7000-8000-000000000000";
/** The body limit the route tests run the app with (`BODY_BYTES_MAX`): small, so "too large" is cheap to send. */
export const ROUTES_BODY_BYTES_MAX = 64 * 1024;

export interface RouteCase {
  readonly access: readonly Access[];
  /** A body that passes validation (for POST/PUT), to which hostile changes are made. */
  readonly body?: Record<string, unknown>;
}

export interface RouteIds {
  readonly flightId: string;
  readonly terminalId: string;
  readonly registrationId: string;
  readonly passengerId: string;
}

/** Who may call each route. The keys must match the API exactly (checked against OpenAPI). */
export function routeTable(ids: RouteIds): Record<string, RouteCase> {
  return {
    "GET /health": { access: ["public"] },
    "GET /ready": { access: ["public"] },
    "POST /passengers": { access: ["public"], body: { email: "new@example.com", password: "long enough password", displayName: "New" } },
    "POST /sessions": { access: ["public"], body: { email: "nobody@example.com", password: "whatever" } },
    "DELETE /sessions/current": { access: ["passenger"] },
    "GET /me": { access: ["passenger"] },
    "GET /ops/passengers": { access: ["ops"] },
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
        capMinorMax: 1,
      },
    },
    "GET /flights": { access: ["public"] },
    "GET /flights/:flightId": { access: ["public"] },
    "PUT /ops/flights/:flightId/catalog": {
      access: ["ops"],
      body: { items: [{ sku: "X-1", nameEn: "X", nameZh: "", category: "snack", priceMinor: 1, stock: { A: 1 } }] },
    },
    "PUT /ops/flights/:flightId/rates": { access: ["ops"], body: { rates: [{ currency: "HKD", rateMicros: 1_096_000, source: "test" }] } },
    "GET /ops/flights/:flightId/setup": { access: ["ops"] },
    "PUT /ops/flights/:flightId/crew": { access: ["ops"], body: { crew: [{ crewId: "C1", name: "C", role: "crew", pin: "1234" }] } },
    "GET /ops/issuer-keys": { access: ["ops"] },
    "POST /ops/issuer-keys/rotate": { access: ["ops"] },
    "POST /ops/issuer-keys/:keyId/revoke": { access: ["ops"] },
    "POST /registrations": { access: ["passenger"], body: { flightId: ids.flightId, capMinor: 1 } },
    "GET /registrations": { access: ["passenger"] },
    "GET /registrations/:registrationId": { access: ["passenger"] },
    "GET /registrations/:registrationId/qr.svg": { access: ["passenger"] },
    "GET /registrations/:registrationId/qr.png": { access: ["passenger"] },
    "DELETE /registrations/:registrationId": { access: ["passenger"] },
    "GET /registrations/:registrationId/receipt-check": { access: ["passenger"] },
    "POST /me/receipts": { access: ["passenger"], body: { receipt: "CPT1:00" } },
    "POST /ops/enrolment-codes": { access: ["ops"], body: { name: "T" } },
    "POST /terminals/enrol": { access: ["public"], body: { code: "ZZZZ-ZZZZ-ZZZZ", publicKey: "A".repeat(43) } },
    "PUT /ops/flights/:flightId/terminals/:terminalId": { access: ["ops"], body: { trolleyId: "A" } },
    "POST /ops/flights/:flightId/trolleys/:trolleyId/release": { access: ["ops"] },
    "GET /terminal/assignments": { access: ["terminal"] },
    "POST /ops/rotations": { access: ["ops"], body: { aircraft: "B-1234", date: "2026-12-01", flightIds: [ids.flightId, UUID] } },
    "GET /ops/rotations": { access: ["ops"] },
    "GET /ops/rotations/:rotationId": { access: ["ops"] },
    "PUT /ops/rotations/:rotationId/trolleys/:trolleyId": { access: ["ops"], body: { terminalId: ids.terminalId } },
    "GET /ops/rotations/:rotationId/manifests": { access: ["ops"] },
    "GET /ops/terminals": { access: ["ops"] },
    "POST /ops/terminals/:terminalId/revoke": { access: ["ops"] },
    "GET /terminal/flights/:flightId/manifest": { access: ["terminal"] },
    "GET /terminal/flights/:flightId/chain": { access: ["terminal"] },
    "POST /terminal/flights/:flightId/batches": { access: ["terminal"] },
    "POST /terminal/flights/:flightId/handover": {
      access: ["terminal"],
      body: { trolleyId: "A", sealAtOpen: null, sealAtClose: null, stockLeft: [] },
    },
    "POST /ops/flights/:flightId/close": { access: ["ops"] },
    "GET /finance/ledger": { access: ["finance", "ops"] },
    "GET /finance/flights": { access: ["finance", "ops"] },
    "GET /finance/flights/:flightId/reconciliation": { access: ["finance", "ops"] },
    "GET /finance/flights/:flightId/reconciliation.csv": { access: ["finance", "ops"] },
    "GET /finance/rotations/:rotationId/stock": { access: ["finance", "ops"] },
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
    "GET /me/shortfalls": { access: ["passenger"] },
    "POST /me/shortfalls/:recordId/pay": { access: ["passenger"] },
    "POST /finance/attention/:recordId/write-off": { access: ["finance"], body: { note: "accepted as a loss" } },
    "GET /finance/receipt-reports": { access: ["finance", "ops"] },
    "POST /finance/receipt-reports/:recordId/close": { access: ["finance"], body: { note: "terminal lost its tail" } },
    "POST /finance/attention/:recordId/collect-from-balance": { access: ["finance"], body: { note: "goods handed over" } },
    "PUT /ops/flights/:flightId/code-policy": { access: ["ops"], body: { codePolicy: "codes_only" } },
    "PUT /ops/flights/:flightId/spend-policy": { access: ["ops"], body: { spendPolicy: "share" } },
    "POST /terminal/flights/:flightId/cabin-counters": { access: ["terminal"], body: { snapshots: [] } },
    "GET /finance/flights/:flightId/cabin-counters": { access: ["finance", "ops"] },
  };
}

/** The route's URL with the test's ids in its parameters. */
export const urlOf = (route: string, ids: RouteIds): string =>
  route
    .split(" ")[1]!
    // Revoking the test's terminal would end its part in the other cases: an unknown one is named.
    .replace("/ops/terminals/:terminalId/revoke", `/ops/terminals/${UUID}/revoke`)
    // Likewise the test's issuer key: an unknown key id is named.
    .replace(":keyId", "00000000000000ff")
    .replace(":flightId", ids.flightId)
    .replace(":terminalId", ids.terminalId)
    .replace(":registrationId", ids.registrationId)
    .replace(":recordId", UUID)
    .replace(":rotationId", UUID)
    .replace(":trolleyId", "Z")
    .concat(route === "GET /flights" ? "?carrier=9C&number=8850" : route === "GET /ops/passengers" ? "?email=nobody%40example.com" : "");

/** Rows per table, but for those that requests fill by design: spent nonces, refused batches kept as evidence. */
export async function storedCounts(t: TestApp, except: readonly string[] = ["request_nonces"]): Promise<Record<string, number>> {
  const tables = await queryRows<{ table_name: string }>(
    t.db,
    sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  const out: Record<string, number> = {};
  for (const { table_name } of tables) {
    if (except.includes(table_name) || table_name.startsWith("__")) continue;
    const [row] = await queryRows<{ n: number }>(t.db, sql.raw(`SELECT count(*)::int AS n FROM "${table_name}"`));
    out[table_name] = row!.n;
  }
  return out;
}

/** Everything the routes need to exist for: staff keys, a loaded flight, a terminal on it, a registered passenger. */
export async function routeWorld(t: TestApp): Promise<{
  keys: { ops: string; finance: string };
  p: { passengerId: string; token: string };
  terminal: TestTerminal;
  ids: RouteIds;
  voucherText: string;
}> {
  const keys = await staffKeys(t);
  const { flightId } = await createFlight(t, keys.ops);
  await loadFlight(t, keys.ops, flightId);
  const terminal = await enrolTerminal(t, keys.ops, flightId);
  const p = await passenger(t, keys.ops, 50_000);
  const { registrationId, voucherText } = await register(t, p.token, flightId, 100);
  return { keys, p, terminal, ids: { flightId, terminalId: terminal.terminalId, registrationId, passengerId: p.passengerId }, voucherText };
}
