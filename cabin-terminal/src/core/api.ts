/**
 * The one API surface between the crew UI and the terminal core (core process). Handlers are
 * named `domain/verb`. The Electron preload exposes exactly this (`satisfies TerminalApi`), the
 * browser host bridges it over HTTP, and the CLI drives it. Every input is validated here, against
 * a schema with limits, before it reaches the core.
 */
import { join } from "node:path";
import { type CrewRole, LIMITS, linesTotalMinor, newId, type Signer } from "@cabinpay/shared";
import { desc, isNull, sql } from "drizzle-orm";
import { type Static, type TSchema, Type } from "typebox";
import { Value } from "typebox/value";
import { crewLogin, type LoginResult } from "./crew/login.js";
import { type OpenedDatabase, openTerminalDatabase } from "./db/open.js";
import { flights, records } from "./db/schema.js";
import { deviceKey, enrolled } from "./enrolment.js";
import { TerminalError } from "./errors.js";
import { type LoadedFlight, loadFlight, openFlight } from "./flight/load.js";
import { enrolWithGround, groundClient } from "./ground/client.js";
import { type UploadSummary, uploadFlight } from "./ground/upload.js";
import { type DeviceKeyStore, fileKeyStore } from "./keys/key-store.js";
import { type PurgeResult, purgeAcknowledged, RETENTION_MS_DEFAULT } from "./retention.js";
import { Cart, priced } from "./sales/cart.js";
import { listSales, type SaleListItem, type ServiceReport, serviceReport } from "./sales/report.js";
import { type RefundResult, refundSale, type VoidResult, voidSale } from "./sales/reverse.js";
import { type ChargeResult, charge, closeService, type Seller } from "./sales/sell.js";

const Sku = Type.String({ minLength: 1, maxLength: LIMITS.skuBytesMax });
const Quantity = Type.Integer({ minimum: 1, maximum: LIMITS.lineQuantityMax });
const RecordId = Type.String({ pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" });
const Empty = Type.Object({}, { additionalProperties: false });
const strict = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: false });

/** The input schema of every handler: what the UI may send, with limits. */
export const TERMINAL_API_INPUTS = {
  "enrolment/enrol": strict({
    groundUrl: Type.String({ maxLength: 200, pattern: "^https?://" }),
    code: Type.String({ minLength: 12, maxLength: 20 }),
  }),
  "manifest/download": strict({
    carrier: Type.String({ pattern: "^[A-Z0-9]{2,3}$" }),
    number: Type.String({ pattern: "^[1-9][0-9]{0,3}[A-Z]?$" }),
    date: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }),
    trolleyId: Type.String({ minLength: 1, maxLength: LIMITS.trolleyIdBytesMax }),
  }),
  "manifest/import": strict({
    manifestBase64: Type.String({ maxLength: Math.ceil((LIMITS.manifestBytesMax * 4) / 3) + 4 }),
    trolleyId: Type.String({ minLength: 1, maxLength: LIMITS.trolleyIdBytesMax }),
  }),
  "crew/login": strict({ crewId: Type.String({ minLength: 1, maxLength: LIMITS.crewIdBytesMax }), pin: Type.String({ maxLength: 8 }) }),
  "crew/logout": Empty,
  "cart/add": strict({ sku: Sku, quantity: Type.Optional(Quantity) }),
  "cart/remove": strict({ sku: Sku }),
  "cart/set": strict({ sku: Sku, quantity: Type.Integer({ minimum: 0, maximum: LIMITS.lineQuantityMax }) }),
  "cart/clear": Empty,
  "sale/charge": strict({ voucherText: Type.String({ maxLength: LIMITS.voucherTextCharsMax }) }),
  "sale/void": strict({ recordId: RecordId }),
  "sale/refund": strict({
    recordId: RecordId,
    lines: Type.Array(strict({ sku: Sku, quantity: Quantity }), { minItems: 1, maxItems: LIMITS.recordLinesMax }),
  }),
  "sale/list": Empty,
  "service/report": Empty,
  "service/close": Empty,
  "sync/upload": strict({ batchSizeMax: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.batchRecordsMax })) }),
  "status/get": Empty,
  "retention/purge": strict({ retentionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })) }),
} as const;

export type TerminalApiInput<K extends keyof typeof TERMINAL_API_INPUTS> = Static<(typeof TERMINAL_API_INPUTS)[K]>;

export interface FlightSummary {
  readonly flightKey: string;
  readonly currency: string;
  readonly trolleyId: string;
  readonly catalogItems: number;
  readonly serviceClosed: boolean;
  /** Its acknowledged records were removed under the retention rule. */
  readonly recordsPurged: boolean;
}

export interface CartView {
  readonly lines: { sku: string; nameEn: string; nameZh: string; quantity: number; unitPriceMinor: number }[];
  readonly totalMinor: number;
  readonly currency: string;
}

export interface TerminalStatus {
  readonly enrolled: boolean;
  readonly terminalId: string | undefined;
  readonly flight: FlightSummary | undefined;
  readonly crew: { crewId: string; name: string; role: CrewRole } | undefined;
  readonly cart: CartView | undefined;
  /** Records the ground has not acknowledged yet. */
  readonly unsentRecords: number;
}

export interface TerminalApi {
  "enrolment/enrol"(input: TerminalApiInput<"enrolment/enrol">): Promise<{ terminalId: string; name: string }>;
  "manifest/download"(input: TerminalApiInput<"manifest/download">): Promise<FlightSummary>;
  "manifest/import"(input: TerminalApiInput<"manifest/import">): Promise<FlightSummary>;
  "crew/login"(input: TerminalApiInput<"crew/login">): Promise<LoginResult>;
  "crew/logout"(input: TerminalApiInput<"crew/logout">): Promise<void>;
  "cart/add"(input: TerminalApiInput<"cart/add">): Promise<CartView>;
  "cart/remove"(input: TerminalApiInput<"cart/remove">): Promise<CartView>;
  "cart/set"(input: TerminalApiInput<"cart/set">): Promise<CartView>;
  "cart/clear"(input: TerminalApiInput<"cart/clear">): Promise<CartView>;
  "sale/charge"(input: TerminalApiInput<"sale/charge">): Promise<ChargeResult>;
  "sale/void"(input: TerminalApiInput<"sale/void">): Promise<VoidResult>;
  "sale/refund"(input: TerminalApiInput<"sale/refund">): Promise<RefundResult>;
  /** This flight's sales, newest last, with what was voided or refunded and what still can be. */
  "sale/list"(input: TerminalApiInput<"sale/list">): Promise<SaleListItem[]>;
  /** The service report so far; after close, the end-of-service report. */
  "service/report"(input: TerminalApiInput<"service/report">): Promise<ServiceReport>;
  "service/close"(
    input: TerminalApiInput<"service/close">,
  ): Promise<{ closed: true; report: ServiceReport } | { closed: false; reason: string; detail: string }>;
  "sync/upload"(input: TerminalApiInput<"sync/upload">): Promise<UploadSummary>;
  "status/get"(input: TerminalApiInput<"status/get">): Promise<TerminalStatus>;
  /** Removes acknowledged records of closed services older than the retention period (default 7 days). */
  "retention/purge"(input: TerminalApiInput<"retention/purge">): Promise<PurgeResult>;
}

export interface TerminalCoreOptions {
  /** Where the database and (with the file key store) the device key live. */
  readonly dataDir: string;
  readonly keyStore?: DeviceKeyStore;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
  readonly onUploadProgress?: (progress: { sentRecords: number; totalRecords: number }) => void;
  /** How long acknowledged records of a closed service are kept; RETENTION_MS_DEFAULT if unset. */
  readonly retentionMs?: number;
}

export function createTerminalCore(options: TerminalCoreOptions): TerminalApi & { close(): void } {
  const database: OpenedDatabase = openTerminalDatabase(join(options.dataDir, "terminal.db"));
  const { db } = database;
  const keys = options.keyStore ?? fileKeyStore(join(options.dataDir, "device.key"));
  const now = options.now ?? Date.now;
  const ground = { timeoutMs: 15_000, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) };
  const cart = new Cart();
  let crew: { crewId: string; name: string; role: CrewRole } | undefined;
  const retentionMs = options.retentionMs ?? RETENTION_MS_DEFAULT;
  purgeAcknowledged(db, { nowMs: now(), retentionMs });
  let flight: LoadedFlight | undefined = latestFlight();

  /** The flight loaded last stays current after its service closed: it still has to be uploaded. */
  function latestFlight(): LoadedFlight | undefined {
    const [row] = db.select({ flightKey: flights.flightKey }).from(flights).orderBy(desc(flights.loadedAtMs)).limit(1).all();
    return row === undefined ? undefined : openFlight(db, row.flightKey, now());
  }
  function validated<K extends keyof typeof TERMINAL_API_INPUTS>(name: K, input: unknown): TerminalApiInput<K> {
    const schema = TERMINAL_API_INPUTS[name];
    if (!Value.Check(schema, input)) {
      const first = [...Value.Errors(schema, input)][0];
      throw new TerminalError(
        "invalid_input",
        `${name}: ${first === undefined ? "invalid input" : `${first.instancePath || "/"} ${first.message}`}`,
      );
    }
    return input as TerminalApiInput<K>;
  }
  function current(): LoadedFlight {
    if (flight === undefined) throw new TerminalError("no_flight_loaded", "load a flight first");
    return flight;
  }
  // Fixed once enrolled: read the device key and the enrolment row once, not on every sale.
  let identity: { terminalId: string; signer: Signer } | undefined;
  function seller(): Seller {
    identity ??= { terminalId: enrolled(db).terminalId, signer: deviceKey(keys) };
    return { ...identity, crew, newId };
  }
  function flightRow(loaded: LoadedFlight) {
    const [row] = db
      .select({ closedAtMs: flights.closedAtMs, purgedAtMs: flights.purgedAtMs })
      .from(flights)
      .where(sql`${flights.flightKey} = ${loaded.flightKey}`)
      .all();
    return row;
  }
  function summary(loaded: LoadedFlight): FlightSummary {
    const row = flightRow(loaded);
    return {
      flightKey: loaded.flightKey,
      currency: loaded.manifest.currency,
      trolleyId: loaded.trolleyId,
      catalogItems: loaded.manifest.catalog.length,
      serviceClosed: (row?.closedAtMs ?? null) !== null,
      recordsPurged: (row?.purgedAtMs ?? null) !== null,
    };
  }
  /** A flight whose records the retention rule removed has no sales to list or report. */
  function withRecords(loaded: LoadedFlight): LoadedFlight {
    if ((flightRow(loaded)?.purgedAtMs ?? null) !== null)
      throw new TerminalError(
        "records_purged",
        `the records of ${loaded.flightKey} were removed under the retention rule after the ground acknowledged them: finance has the flight's reconciliation`,
      );
    return loaded;
  }
  function cartView(): CartView {
    const loaded = current();
    const lines = priced(cart.lines, loaded.manifest) ?? [];
    return {
      lines: lines.map(({ sku, nameEn, nameZh, quantity, unitPriceMinor }) => ({ sku, nameEn, nameZh, quantity, unitPriceMinor })),
      totalMinor: linesTotalMinor(loaded.manifest.currency, lines),
      currency: loaded.manifest.currency,
    };
  }
  function knownSku(sku: string): void {
    if (!current().manifest.catalog.some((item) => item.sku === sku))
      throw new TerminalError("invalid_input", `${sku} is not in this flight's catalog`);
  }
  function opened(loaded: LoadedFlight): FlightSummary {
    flight = loaded;
    crew = undefined;
    cart.clear();
    return summary(loaded);
  }

  return {
    async "enrolment/enrol"(input) {
      const { groundUrl, code } = validated("enrolment/enrol", input);
      const answer = await enrolWithGround(db, keys, { groundUrl, code, nowMs: now() }, ground);
      identity = undefined; // a new enrolment means a new terminal id
      return { terminalId: answer.terminalId, name: answer.name };
    },
    async "manifest/download"(input) {
      const { carrier, number, date, trolleyId } = validated("manifest/download", input);
      const client = groundClient(db, keys, { ...ground, now });
      const bytes = await client.manifest(await client.flightId({ carrier, number, date }));
      return opened(loadFlight(db, { manifestBytes: bytes, trolleyId, nowMs: now() }));
    },
    async "manifest/import"(input) {
      const { manifestBase64, trolleyId } = validated("manifest/import", input);
      return opened(loadFlight(db, { manifestBytes: new Uint8Array(Buffer.from(manifestBase64, "base64")), trolleyId, nowMs: now() }));
    },
    async "crew/login"(input) {
      const { crewId, pin } = validated("crew/login", input);
      const loaded = current();
      const result = crewLogin(db, { flightKey: loaded.flightKey, manifest: loaded.manifest, crewId, pin, nowMs: now() });
      crew = result.ok ? { crewId: result.crewId, name: result.name, role: result.role } : crew;
      return result;
    },
    async "crew/logout"(input) {
      validated("crew/logout", input);
      crew = undefined;
      cart.clear();
    },
    async "cart/add"(input) {
      const { sku, quantity } = validated("cart/add", input);
      knownSku(sku);
      cart.add(sku, quantity ?? 1);
      return cartView();
    },
    async "cart/remove"(input) {
      cart.remove(validated("cart/remove", input).sku);
      return cartView();
    },
    async "cart/set"(input) {
      const { sku, quantity } = validated("cart/set", input);
      knownSku(sku);
      cart.setQuantity(sku, quantity);
      return cartView();
    },
    async "cart/clear"(input) {
      validated("cart/clear", input);
      cart.clear();
      return cartView();
    },
    async "sale/charge"(input) {
      const { voucherText } = validated("sale/charge", input);
      const result = charge(db, current(), seller(), cart.lines, voucherText, now());
      if (result.approved) cart.clear();
      return result;
    },
    async "sale/void"(input) {
      return voidSale(db, current(), seller(), validated("sale/void", input).recordId, now());
    },
    async "sale/refund"(input) {
      const { recordId, lines } = validated("sale/refund", input);
      return refundSale(db, current(), seller(), recordId, lines, now());
    },
    async "sale/list"(input) {
      validated("sale/list", input);
      return listSales(db, withRecords(current()).flightKey);
    },
    async "service/report"(input) {
      validated("service/report", input);
      return serviceReport(db, withRecords(current()));
    },
    async "service/close"(input) {
      validated("service/close", input);
      return closeService(db, current(), seller(), now());
    },
    async "sync/upload"(input) {
      const { batchSizeMax } = validated("sync/upload", input);
      const client = groundClient(db, keys, { ...ground, now });
      const summary = await uploadFlight(db, current(), client, now, {
        batchSizeMax: batchSizeMax ?? LIMITS.batchRecordsMax,
        attemptsMax: 6,
        backoffInitialMs: 500,
        backoffMaxMs: 15_000,
        ...(options.onUploadProgress === undefined ? {} : { onProgress: options.onUploadProgress }),
      });
      purgeAcknowledged(db, { nowMs: now(), retentionMs });
      return summary;
    },
    async "retention/purge"(input) {
      const { retentionDays } = validated("retention/purge", input);
      return purgeAcknowledged(db, { nowMs: now(), retentionMs: retentionDays === undefined ? retentionMs : retentionDays * 86_400_000 });
    },
    async "status/get"(input) {
      validated("status/get", input);
      let terminalId: string | undefined;
      try {
        terminalId = enrolled(db).terminalId;
      } catch (error) {
        if (!(error instanceof TerminalError && error.code === "not_enrolled")) throw error;
      }
      const [unsent] = db.select({ n: sql<number>`count(*)` }).from(records).where(isNull(records.uploadedAtMs)).all();
      return {
        enrolled: terminalId !== undefined,
        terminalId,
        flight: flight === undefined ? undefined : summary(flight),
        crew,
        cart: flight === undefined ? undefined : cartView(),
        unsentRecords: unsent?.n ?? 0,
      };
    },
    close: () => database.close(),
  };
}
