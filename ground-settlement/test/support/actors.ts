/** The people and devices of a test: ops, finance, passengers and terminals talking over HTTP. */
import {
  createNobleSigner,
  generateSecretKey,
  issueVoucher,
  money,
  newId,
  type Signer,
  signTerminalRequest,
  toBase64Url,
} from "@cabinpay/shared";
import { CREW, DEPARTURE_MS, SAMPLE_CATALOG_CSV } from "@cabinpay/testkit/flight-9c8850";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { createApiKey } from "../../src/services/api-keys.js";
import type { TestApp } from "./app.js";

export { DEPARTURE_MS, SAMPLE_CATALOG_CSV };
/** The sample catalog's prices without its stock columns: a leg of a rotation whose trolleys carry their stock over. */
export const SAMPLE_PRICES_CSV = SAMPLE_CATALOG_CSV.split("\n")
  .map((line) => line.split(",").slice(0, 6).join(","))
  .join("\n");
/** 9C 8850 PVG→CTU departs 2026-12-01 07:25 +08:00. */

export async function staffKeys(t: TestApp): Promise<{ ops: string; finance: string }> {
  const ops = await createApiKey(t.db, { name: "ops test", role: "ops", nowMs: t.clock.nowMs });
  const finance = await createApiKey(t.db, { name: "finance test", role: "finance", nowMs: t.clock.nowMs });
  return { ops: ops.key, finance: finance.key };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function call(app: FastifyInstance, options: InjectOptions, expectedStatus?: number): Promise<LightMyRequestResponse> {
  const response = await app.inject(options);
  if (expectedStatus !== undefined && response.statusCode !== expectedStatus) {
    throw new Error(
      `${options.method} ${options.url}: expected ${expectedStatus}, got ${response.statusCode} ${response.body.slice(0, 400)}`,
    );
  }
  return response;
}

export async function createFlight(t: TestApp, opsKey: string, overrides: Record<string, unknown> = {}): Promise<{ flightId: string }> {
  const flight = (
    await call(
      t.app,
      {
        method: "POST",
        url: "/ops/flights",
        headers: bearer(opsKey),
        payload: {
          carrier: "9C",
          number: "8850",
          date: "2026-12-01",
          origin: "PVG",
          destination: "CTU",
          currency: "CNY",
          departureAtMs: DEPARTURE_MS,
          capMinorMax: 200_000,
          ...overrides,
        },
      },
      201,
    )
  ).json();
  return { flightId: flight.flightId };
}

/** The sample catalog and two crew; `currency` for a flight that sells in another currency than CNY (same figures). */
export async function loadFlight(
  t: TestApp,
  opsKey: string,
  flightId: string,
  currency = "CNY",
  catalogCsv = SAMPLE_CATALOG_CSV,
): Promise<void> {
  await call(
    t.app,
    {
      method: "PUT",
      url: `/ops/flights/${flightId}/catalog`,
      headers: { ...bearer(opsKey), "content-type": "text/csv" },
      payload: catalogCsv.replaceAll(",CNY,", `,${currency},`),
    },
    200,
  );
  await call(
    t.app,
    {
      method: "PUT",
      url: `/ops/flights/${flightId}/crew`,
      headers: bearer(opsKey),
      payload: {
        crew: CREW,
      },
    },
    200,
  );
}

/** The sample catalog with a third trolley, C, stocked as B: a cabin of three trolleys. */
export function withTrolleyC(csv: string = SAMPLE_CATALOG_CSV): string {
  return csv
    .split("\n")
    .map((line, i) => (line === "" ? line : i === 0 ? `${line},trolley_c_stock` : `${line},${line.split(",").at(-1)}`))
    .join("\n");
}

let passengerCount = 0;
export async function passenger(
  t: TestApp,
  opsKey: string,
  fundedMinor: number,
  displayName = "ZHANG/WEIMING MR",
): Promise<{ passengerId: string; token: string }> {
  passengerCount += 1;
  const session = (
    await call(
      t.app,
      {
        method: "POST",
        url: "/passengers",
        payload: { email: `p${passengerCount}-${Date.now()}@example.com`, password: "correct horse battery", displayName },
      },
      201,
    )
  ).json();
  if (fundedMinor > 0) {
    await call(
      t.app,
      {
        method: "POST",
        url: "/ops/wallets/fund",
        headers: bearer(opsKey),
        payload: { transferId: crypto.randomUUID(), passengerId: session.passengerId, currency: "CNY", amountMinor: fundedMinor },
      },
      200,
    );
  }
  return { passengerId: session.passengerId, token: session.token };
}

/** Registers a passenger on a flight with a cap, as the passenger does over HTTP: the registration and its voucher. */
export async function register(
  t: TestApp,
  token: string,
  flightId: string,
  capMinor: number,
): Promise<{ registrationId: string; voucherText: string }> {
  const registration = (
    await call(t.app, { method: "POST", url: "/registrations", headers: bearer(token), payload: { flightId, capMinor } }, 201)
  ).json();
  return { registrationId: registration.registrationId, voucherText: registration.voucherText };
}

export interface TestTerminal {
  readonly terminalId: string;
  readonly signer: Signer;
  readonly manifestPublicKey: string;
  /** The ground's certificate of the terminal's key, as enrolment answered it (what its receipts carry). */
  readonly certificate: Uint8Array;
  /** A signed request as the terminal sends it (a fresh nonce each call unless given). */
  request(
    method: "GET" | "POST",
    url: string,
    options?: { nonce?: string; timestampMs?: number; body?: Buffer; contentType?: string },
  ): InjectOptions;
}

let nonceCounter = 0;
/** A terminal enrolled, on `trolleyId` of the flight when one is named. */
export async function enrolTerminal(t: TestApp, opsKey: string, flightId?: string, trolleyId = "A"): Promise<TestTerminal> {
  const { code } = (
    await call(
      t.app,
      {
        method: "POST",
        url: "/ops/enrolment-codes",
        headers: bearer(opsKey),
        payload: { name: `Trolley ${trolleyId}`, ...(flightId ? { flightId, trolleyId } : {}) },
      },
      201,
    )
  ).json();
  const terminal = await enrolWithCode(t, code);
  expect(terminal.flightIds).toEqual(flightId ? [flightId] : []);
  return terminal;
}

/** A new device enrolled with a one-time code ops made. */
export async function enrolWithCode(t: TestApp, code: string): Promise<TestTerminal & { flightIds: string[] }> {
  const signer = createNobleSigner(generateSecretKey());
  const enrolled = (
    await call(t.app, { method: "POST", url: "/terminals/enrol", payload: { code, publicKey: toBase64Url(signer.publicKey) } }, 201)
  ).json();
  return {
    flightIds: enrolled.flightIds,
    terminalId: enrolled.terminalId,
    signer,
    manifestPublicKey: enrolled.manifestPublicKey,
    certificate: new Uint8Array(Buffer.from(enrolled.deviceCertificate, "base64url")),
    request(method, url, options = {}) {
      nonceCounter += 1;
      const body = options.body ?? Buffer.alloc(0);
      const headers = signTerminalRequest(signer, enrolled.terminalId, {
        method,
        path: url,
        body,
        timestampMs: options.timestampMs ?? t.clock.nowMs,
        nonce: options.nonce ?? `nonce-${String(nonceCounter).padStart(10, "0")}-${Math.random().toString(36).slice(2, 8)}`,
      });
      return {
        method,
        url,
        headers: body.length > 0 ? { ...headers, "content-type": options.contentType ?? "application/octet-stream" } : headers,
        ...(body.length > 0 ? { payload: body } : {}),
      };
    },
  };
}

/** A voucher for the test flight that looks right but was signed by a key the airline never had. */
export function forgedVoucherText(): string {
  return issueVoucher(
    {
      voucherId: newId(),
      accountRef: newId(),
      flight: { carrier: "9C", number: "8850", date: "2026-12-01" },
      cap: money(200_000, "CNY"),
      validFromMs: DEPARTURE_MS - 86_400_000,
      validUntilMs: DEPARTURE_MS + 86_400_000,
      passengerName: "FORGER/MR",
    },
    createNobleSigner(generateSecretKey()),
  ).text;
}
