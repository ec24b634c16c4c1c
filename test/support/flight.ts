/**
 * A flight run against the ground service's real API the way the airline runs it: ops open the
 * flight, passengers register over HTTP, terminals enrol and load through the terminal core over
 * a link the test can cut, and the facts of the flight are gathered afterwards for the audit.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TerminalApi } from "@cabinpay/cabin-terminal/internal/api/contract";
import { createTerminalCore } from "@cabinpay/cabin-terminal/internal/core/api";
import { SAMPLE_PRICES_CSV } from "@cabinpay/ground-settlement/testing/actors";
import { CREW, SAMPLE_CATALOG_CSV } from "@cabinpay/testkit/flight-9c8850";
import type pg from "pg";
import type { FlightFacts, SettlementRow, TerminalSale } from "./flight-audit.js";

// biome-ignore lint/suspicious/noExplicitAny: the ground's JSON answers, which the tests' expectations check
type Json = any;

export type GroundApi = (method: string, path: string, options?: { token?: string; body?: unknown; csv?: string }) => Promise<Json>;

/** JSON over HTTP to the ground; anything but 2xx throws with the answer. */
export function groundApi(url: string): GroundApi {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (options.csv !== undefined) headers["content-type"] = "text/csv";
    const body = options.body !== undefined ? JSON.stringify(options.body) : options.csv;
    const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return text === "" ? undefined : JSON.parse(text);
  };
}

export interface OpenedFlight {
  readonly flightId: string;
  readonly ref: { carrier: string; number: string; date: string };
}

export { SAMPLE_PRICES_CSV };

/** Today's flight 9C<number>, departing in three hours (or as asked), with the sample catalog and two crew. */
export async function openFlight(
  api: GroundApi,
  opsKey: string,
  number: string,
  options: {
    readonly departureInMs?: number;
    readonly origin?: string;
    readonly destination?: string;
    readonly catalogCsv?: string;
    /** Another currency than CNY: the sample catalog's figures in it. */
    readonly currency?: string;
  } = {},
): Promise<OpenedFlight> {
  const nowMs = Date.now();
  const departureAtMs = nowMs + (options.departureInMs ?? 3 * 3_600_000);
  const ref = { carrier: "9C", number, date: new Date(nowMs).toISOString().slice(0, 10) };
  const { flightId } = await api("POST", "/ops/flights", {
    token: opsKey,
    body: {
      ...ref,
      origin: options.origin ?? "PVG",
      destination: options.destination ?? "CTU",
      currency: options.currency ?? "CNY",
      departureAtMs,
      registrationClosesAtMs: departureAtMs - 2 * 3_600_000,
      capMinorMax: 200_000,
    },
  });
  const catalog = (options.catalogCsv ?? SAMPLE_CATALOG_CSV).replaceAll(",CNY,", `,${options.currency ?? "CNY"},`);
  await api("PUT", `/ops/flights/${flightId}/catalog`, { token: opsKey, csv: catalog });
  await api("PUT", `/ops/flights/${flightId}/crew`, {
    token: opsKey,
    body: {
      crew: CREW,
    },
  });
  return { flightId, ref };
}

export interface Passenger {
  readonly index: number;
  readonly name: string;
  readonly seat: string;
  readonly fundedMinor: number;
  readonly capMinor: number;
  passengerId: string;
  token: string;
  voucherId: string;
  voucherText: string;
}

/** Signs up, funds and registers passengers 1…count, ten at a time as a check-in rush would come. */
export async function registerPassengers(
  api: GroundApi,
  opsKey: string,
  flightId: string,
  count: number,
  money: (index: number) => { fundedMinor: number; capMinor: number },
  /** The accounts' currency when it is not the flight's (funded and held in it). */
  accountCurrency = "CNY",
): Promise<Passenger[]> {
  const passengers = await signUpPassengers(api, opsKey, { count, emailTag: flightId.slice(-12), accountCurrency }, money);
  for (let from = 0; from < count; from += 10) {
    await Promise.all(
      passengers.slice(from, from + 10).map(async (p) => {
        const registration = await api("POST", "/registrations", {
          token: p.token,
          body: { flightId, capMinor: p.capMinor, seat: p.seat, passengerName: p.name, currency: accountCurrency },
        });
        p.voucherId = registration.registrationId;
        p.voucherText = registration.voucherText;
      }),
    );
  }
  return passengers;
}

/** Signs up and funds passengers 1…count, ten at a time; registering them on a flight is the caller's. */
export async function signUpPassengers(
  api: GroundApi,
  opsKey: string,
  { count, emailTag, accountCurrency = "CNY" }: { count: number; emailTag: string; accountCurrency?: string },
  money: (index: number) => { fundedMinor: number; capMinor: number },
): Promise<Passenger[]> {
  const passengers: Passenger[] = Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    name: `PAX${String(i + 1).padStart(3, "0")}/TEST MR`,
    seat: `${10 + Math.floor((i + 1) / 6)}${"ABCDEF"[(i + 1) % 6]}`,
    ...money(i + 1),
    passengerId: "",
    token: "",
    voucherId: "",
    voucherText: "",
  }));
  for (let from = 0; from < count; from += 10) {
    await Promise.all(
      passengers.slice(from, from + 10).map(async (p) => {
        const session = await api("POST", "/passengers", {
          body: { email: `pax${p.index}-${emailTag}@e2e.example`, password: "correct horse battery staple", displayName: p.name },
        });
        p.passengerId = session.passengerId;
        p.token = session.token;
        await api("POST", "/ops/wallets/fund", {
          token: opsKey,
          body: { transferId: crypto.randomUUID(), passengerId: p.passengerId, currency: accountCurrency, amountMinor: p.fundedMinor },
        });
      }),
    );
  }
  return passengers;
}

/**
 * A terminal's link to the ground, which a test can cut: after `cutAfterBatches` batch answers the
 * next batch arrives but its answer is lost; with `staysDown` nothing gets through afterwards
 * until the test sets `down` back to false.
 */
export interface Link {
  batches: number;
  cutAfterBatches: number;
  staysDown: boolean;
  down: boolean;
  /** Called before each batch is sent (the count sent so far): a fault can strike mid-upload. */
  beforeBatch?: (sent: number) => void;
}

export const newLink = (): Link => ({ batches: 0, cutAfterBatches: Number.POSITIVE_INFINITY, staysDown: false, down: false });

export type Terminal = TerminalApi & { close(): void };

/** A terminal core enrolled on the flight through its ground address, with the flight loaded; its clock may be off. */
export async function enrolTerminal(
  api: GroundApi,
  ground: { url: string; opsKey: string },
  flight: OpenedFlight,
  trolleyId: string,
  link: Link = newLink(),
  options: { readonly now?: () => number; readonly dataDir?: string } = {},
): Promise<Terminal> {
  const { code } = await api("POST", "/ops/enrolment-codes", {
    token: ground.opsKey,
    body: { name: `Trolley ${trolleyId}`, flightId: flight.flightId, trolleyId },
  });
  const core = createTerminalCore({
    dataDir: options.dataDir ?? mkdtempSync(join(tmpdir(), `cabinpay-e2e-terminal-${trolleyId}-`)),
    ...(options.now === undefined ? {} : { now: options.now }),
    fetch: async (input, init) => {
      const batch = String(input).endsWith("/batches");
      if (batch && link.down) throw new TypeError("network is unreachable");
      if (batch) link.beforeBatch?.(link.batches);
      const response = await fetch(input, init);
      if (batch && link.batches++ === link.cutAfterBatches) {
        link.down = link.staysDown;
        throw new TypeError("the connection was reset");
      }
      return response;
    },
  });
  await core["enrolment/enrol"]({ groundUrl: ground.url, code });
  await core["manifest/download"]({ ...flight.ref, trolleyId });
  return core;
}

/** Waits until the workers settled every record and closed the flight; returns its reconciliation. */
export async function waitUntilClosed(api: GroundApi, financeKey: string, flightId: string, onTimeout: () => string): Promise<Json> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const report = await api("GET", `/finance/flights/${flightId}/reconciliation`, { token: financeKey });
    if (report.closedAtMs !== null && report.currencies.every((c: { pending: { count: number } }) => c.pending.count === 0)) return report;
    if (Date.now() > deadline) throw new Error(`flight ${flightId} did not settle and close:\n${onTimeout()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What terminal cores sold, from their own records. */
export async function coreSales(terminals: readonly Terminal[]): Promise<TerminalSale[]> {
  const sales: TerminalSale[] = [];
  for (const core of terminals)
    for (const sale of await core["sale/list"]({}))
      sales.push({
        recordId: sale.recordId,
        voucherId: sale.voucherId,
        totalMinor: sale.totalMinor,
        voided: sale.voided,
        refundedMinor: sale.refundedMinor,
      });
  return sales;
}

/** The facts of the flight: the terminals' sales, the ground's settlements, wallets, holds and ledger sums. */
export async function gatherFacts(
  db: pg.Client,
  api: GroundApi,
  financeKey: string,
  flightId: string,
  sales: readonly TerminalSale[],
  passengers: readonly Passenger[],
  toAccountMinor?: (saleMinor: number) => number,
): Promise<FlightFacts> {
  const settlements = (
    await db.query(
      `SELECT s.record_id, r.kind, r.voucher_id, r.total_minor, s.status, s.registration_id, s.from_hold_minor, s.from_balance_minor, s.shortfall_minor, s.reversed_minor
         FROM settlements s JOIN sale_records r ON r.id = s.record_id WHERE s.flight_id = $1`,
      [flightId],
    )
  ).rows.map(
    (row): SettlementRow => ({
      recordId: row.record_id,
      kind: row.kind,
      voucherId: row.voucher_id,
      totalMinor: Number(row.total_minor),
      status: row.status,
      registrationId: row.registration_id,
      fromHoldMinor: Number(row.from_hold_minor),
      fromBalanceMinor: Number(row.from_balance_minor),
      shortfallMinor: Number(row.shortfall_minor),
      reversedMinor: Number(row.reversed_minor),
    }),
  );
  const wallets: FlightFacts["passengers"][number][] = [];
  for (const p of passengers) {
    const wallet = (await api("GET", "/me", { token: p.token })).wallets[0];
    wallets.push({
      name: p.name,
      voucherId: p.voucherId,
      fundedMinor: p.fundedMinor,
      postedMinor: wallet.postedMinor,
      heldMinor: wallet.heldMinor,
    });
  }
  const holds = (
    await db.query(
      `SELECT h.id, (SELECT count(*)::int FROM transfers x WHERE x.pending_id = h.id) AS resolutions
         FROM transfers h JOIN registrations g ON g.id::text = h.reference
        WHERE h.kind = 'pending' AND g.flight_id = $1`,
      [flightId],
    )
  ).rows.map((row) => ({ id: row.id, resolutions: row.resolutions }));
  const ledger = await api("GET", "/finance/ledger", { token: financeKey });
  return {
    sales,
    settlements,
    passengers: wallets,
    holds,
    ledger: ledger.currencies,
    ...(toAccountMinor === undefined ? {} : { toAccountMinor }),
  };
}
