/**
 * The terminal core behind the one API surface (core process): `createTerminalCore` implements
 * `TerminalApi` (src/api/contract.ts). Every input is validated here, against its schema, before it
 * reaches the core. The Electron main, the browser host and the CLI each hold one of these.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type CrewRole, flightKey, LIMITS, linesTotalMinor, newId, parseRotationBundle, type Signer } from "@cabinpay/shared";
import { eq, sql } from "drizzle-orm";
import { Value } from "typebox/value";
import {
  type CartView,
  type FlightSummary,
  type LoadedFlights,
  TERMINAL_API_INPUTS,
  type TerminalApi,
  type TerminalApiInput,
} from "../api/contract.js";
import type { UploadAllSummary } from "../api/results.js";
import { crewLogin } from "./crew/login.js";
import { type OpenedDatabase, openTerminalDatabase } from "./db/open.js";
import { flights, stock } from "./db/schema.js";
import { deviceKey, enrolled } from "./enrolment.js";
import { TerminalError } from "./errors.js";
import { currentFlight, nextLegOf, openLeg } from "./flight/legs.js";
import { type LoadedFlight, loadFlight, manifestFlightKey, openFlight } from "./flight/load.js";
import { startAutoUpload } from "./ground/auto-upload.js";
import { enrolWithGround, groundClient } from "./ground/client.js";
import { handoversDue } from "./ground/handover.js";
import { unsentByFlight, uploadAll } from "./ground/upload-all.js";
import { ChainGuard } from "./integrity/anchor.js";
import { type DeviceKeyStore, fileKeyStore } from "./keys/key-store.js";
import { purgeAcknowledged, RETENTION_MS_DEFAULT } from "./retention.js";
import { Cart, priced } from "./sales/cart.js";
import { listRecordOutcomes, listSales, serviceReport } from "./sales/report.js";
import { refundSale, voidSale } from "./sales/reverse.js";
import { charge, closeService, type Seller } from "./sales/sell.js";

export interface TerminalCoreOptions {
  /** Where the database and (with the file key store) the device key live. */
  readonly dataDir: string;
  readonly keyStore?: DeviceKeyStore;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
  readonly onUploadProgress?: (progress: { sentRecords: number; totalRecords: number }) => void;
  /** How long acknowledged records of a closed service are kept; RETENTION_MS_DEFAULT if unset. */
  readonly retentionMs?: number;
  /** Upload unsent records in the background this often (off when unset: tests and scripts upload themselves). */
  readonly autoUploadEveryMs?: number;
  /** Something changed that no screen asked for (a background upload): the page refreshes. */
  readonly onStatusChanged?: () => void;
}

export function createTerminalCore(options: TerminalCoreOptions): TerminalApi & { close(): void } {
  // Owner-only: the database holds passenger names and the device key may sit beside it.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const database: OpenedDatabase = openTerminalDatabase(join(options.dataDir, "terminal.db"));
  const { db } = database;
  const keys = options.keyStore ?? fileKeyStore(join(options.dataDir, "device.key"));
  const now = options.now ?? Date.now;
  // Every stored chain against the anchor kept with the device key, before anything is sold.
  const guard = new ChainGuard(db, keys);
  guard.open();
  const ground = { timeoutMs: 15_000, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) };
  const cart = new Cart();
  let crew: { crewId: string; name: string; role: CrewRole } | undefined;
  const retentionMs = options.retentionMs ?? RETENTION_MS_DEFAULT;
  purgeAcknowledged(db, { nowMs: now(), retentionMs });
  // The flight opened last stays current after its service closed: it still has to be uploaded.
  let flight: LoadedFlight | undefined;
  try {
    flight = currentFlight(db);
  } catch (error) {
    // Refused at start (another app version's flight): nothing stays open behind the refusal.
    database.close();
    throw error;
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
      .select({
        closedAtMs: flights.closedAtMs,
        purgedAtMs: flights.purgedAtMs,
        sealAtOpen: flights.sealAtOpen,
        sealAtClose: flights.sealAtClose,
      })
      .from(flights)
      .where(sql`${flights.flightKey} = ${loaded.flightKey}`)
      .all();
    return row;
  }
  function summary(loaded: LoadedFlight): FlightSummary {
    const row = flightRow(loaded);
    const next = nextLegOf(db, loaded);
    return {
      flightKey: loaded.flightKey,
      currency: loaded.manifest.currency,
      trolleyId: loaded.trolleyId,
      catalogItems: loaded.manifest.catalog.length,
      crew: loaded.manifest.crew.map(({ crewId, name, role }) => ({ crewId, name, role })),
      serviceClosed: (row?.closedAtMs ?? null) !== null,
      recordsPurged: (row?.purgedAtMs ?? null) !== null,
      rotation:
        loaded.manifest.rotation === undefined
          ? undefined
          : {
              legNumber: loaded.manifest.rotation.legNumber,
              legCount: loaded.manifest.rotation.legCount,
              stockCarried: loaded.manifest.rotation.stockCarried,
              nextFlightKey: next?.flightKey,
              nextStockCarried: next?.manifest.rotation?.stockCarried === true,
            },
      sealAtOpen: row?.sealAtOpen ?? undefined,
      sealAtClose: row?.sealAtClose ?? undefined,
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
  /**
   * A new enrolment gives the terminal a new id, under which the ground would not take the old
   * one's records: nothing unsent may be left behind by it (Stripe's and Square's users lost
   * stored payments exactly so).
   */
  function refuseWhileUnsent(then: string, keptFlightKeys: readonly string[] = []): void {
    const unsent = unsentByFlight(db).filter((row) => !keptFlightKeys.includes(row.flightKey));
    if (unsent.length === 0) return;
    const what = unsent.map((row) => `${row.records} of ${row.flightKey}`).join(", ");
    throw new TerminalError(
      "records_unsent",
      `records not on the ground yet (${what}): upload them first (Sync, or cabinpay-terminal upload), then ${then}.`,
    );
  }
  /** One upload at a time, whether crew pressed Upload or the background asked. */
  let uploading: Promise<UploadAllSummary> | undefined;
  function uploadOnce(batchSizeMax: number): Promise<UploadAllSummary> {
    uploading ??= (async () => {
      const client = groundClient(db, keys, { ...ground, now });
      const summary = await uploadAll(db, current(), client, now, {
        batchSizeMax,
        attemptsMax: 6,
        backoffInitialMs: 500,
        backoffMaxMs: 15_000,
        // A whole fleet landing at once may be asked to wait its turn for some minutes.
        busyWaitMaxMs: 10 * 60_000,
        ...(options.onUploadProgress === undefined ? {} : { onProgress: options.onUploadProgress }),
        onFailed(flightKey, error) {
          if (error instanceof TerminalError && error.code === "chain_forked") guard.markBroken(flightKey, error.message);
        },
      });
      purgeAcknowledged(db, { nowMs: now(), retentionMs });
      return summary;
    })().finally(() => {
      uploading = undefined;
    });
    return uploading;
  }
  const autoUpload =
    options.autoUploadEveryMs === undefined
      ? undefined
      : startAutoUpload({
          everyMs: options.autoUploadEveryMs,
          backoffMaxMs: 5 * 60_000,
          hasUnsent: () => flight !== undefined && (unsentByFlight(db).length > 0 || handoversDue(db).length > 0),
          upload: () => uploadOnce(LIMITS.batchRecordsMax),
          onAttempt: () => options.onStatusChanged?.(),
        });
  /** Writes to the current flight's chain: only on an intact chain, and the anchor follows. */
  function chained<T>(write: () => T): T {
    const { flightKey } = current();
    guard.requireIntact(flightKey);
    const result = write();
    guard.advance(flightKey);
    return result;
  }
  function opened(loaded: LoadedFlight, sealAtOpen?: string): FlightSummary {
    openLeg(db, loaded, { nowMs: now(), ...(sealAtOpen === undefined ? {} : { sealAtOpen }) });
    flight = loaded;
    crew = undefined;
    cart.clear();
    return summary(loaded);
  }
  /**
   * Stores every manifest of a rotation (or every assigned flight), then opens the first leg not
   * closed, unless a leg of it is current and open already. Refused while another rotation's
   * records are unsent: they would be left behind by it.
   */
  function loadedAll(manifests: readonly { bytes: Uint8Array; trolleyId: string }[]): LoadedFlights {
    const loaded: LoadedFlight[] = [];
    for (const { bytes, trolleyId } of manifests) {
      try {
        loaded.push(loadFlight(db, { manifestBytes: bytes, trolleyId, nowMs: now() }));
      } catch (error) {
        // A leg already sold on keeps the manifest it was sold under.
        if (!(error instanceof TerminalError && error.code === "flight_in_service")) throw error;
        loaded.push(openFlight(db, manifestFlightKey(db, bytes)));
      }
    }
    const inOrder = loaded.sort((a, b) => (a.manifest.rotation?.legNumber ?? 0) - (b.manifest.rotation?.legNumber ?? 0));
    const isOpen = (leg: LoadedFlight) => (flightRow(leg)?.closedAtMs ?? null) === null;
    const currentStays = flight !== undefined && isOpen(flight) && inOrder.some((leg) => leg.flightKey === flight!.flightKey);
    if (!currentStays) opened(inOrder.find(isOpen) ?? inOrder.at(-1)!);
    return { current: summary(current()), flights: inOrder.map(summary) };
  }

  return {
    async "enrolment/enrol"(input) {
      const { groundUrl, code } = validated("enrolment/enrol", input);
      refuseWhileUnsent("enrol again. Enrolling now would leave them with no terminal to upload them");
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
    async "manifest/load-assigned"(input) {
      validated("manifest/load-assigned", input);
      const client = groundClient(db, keys, { ...ground, now });
      const assignments = (await client.assignments()).filter((a) => a.trolleyId !== null);
      if (assignments.length === 0)
        throw new TerminalError(
          "not_assigned",
          "ops have not put this terminal on a trolley of any flight yet: ask them to, then load again",
        );
      refuseWhileUnsent(
        "load the new flights",
        assignments.map((a) => flightKey(a)),
      );
      const manifests = [];
      for (const assignment of assignments)
        manifests.push({ bytes: await client.manifest(assignment.flightId), trolleyId: assignment.trolleyId! });
      return loadedAll(manifests);
    },
    async "manifest/import-rotation"(input) {
      const { bundleText, trolleyId } = validated("manifest/import-rotation", input);
      const bundle = parseRotationBundle(bundleText);
      if (!bundle.ok) throw new TerminalError("manifest_rejected", bundle.detail);
      refuseWhileUnsent(
        "load the new rotation",
        bundle.manifests.map((bytes) => manifestFlightKey(db, bytes)),
      );
      return loadedAll(bundle.manifests.map((bytes) => ({ bytes, trolleyId })));
    },
    async "catalog/list"(input) {
      validated("catalog/list", input);
      const loaded = current();
      const left = new Map(
        db
          .select({ sku: stock.sku, quantity: stock.quantity })
          .from(stock)
          .where(eq(stock.flightKey, loaded.flightKey))
          .all()
          .map((row) => [row.sku, row.quantity]),
      );
      return loaded.manifest.catalog.map(({ sku, category, nameEn, nameZh, priceMinor }) => ({
        sku,
        category,
        nameEn,
        nameZh,
        priceMinor,
        stockLeft: left.get(sku) ?? 0,
      }));
    },
    async "crew/login"(input) {
      const { crewId, pin } = validated("crew/login", input);
      const loaded = current();
      const result = crewLogin(guard, { flightKey: loaded.flightKey, manifest: loaded.manifest, crewId, pin, nowMs: now() });
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
      const result = chained(() => charge(db, current(), seller(), cart.lines, voucherText, now()));
      if (result.approved) cart.clear();
      return result;
    },
    async "sale/void"(input) {
      const { recordId } = validated("sale/void", input);
      return chained(() => voidSale(db, current(), seller(), recordId, now()));
    },
    async "sale/refund"(input) {
      const { recordId, lines } = validated("sale/refund", input);
      return chained(() => refundSale(db, current(), seller(), recordId, lines, now()));
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
      const { sealNumber } = validated("service/close", input);
      return chained(() => closeService(db, current(), seller(), now(), sealNumber));
    },
    async "service/open-next"(input) {
      const { sealNumber } = validated("service/open-next", input);
      const next = nextLegOf(db, current());
      if (next === undefined) throw new TerminalError("no_next_leg", "this is the last leg loaded on this terminal");
      return opened(next, sealNumber);
    },
    async "sync/upload"(input) {
      const { batchSizeMax } = validated("sync/upload", input);
      return uploadOnce(batchSizeMax ?? LIMITS.batchRecordsMax);
    },
    async "sync/records"(input) {
      validated("sync/records", input);
      return listRecordOutcomes(db, withRecords(current()).flightKey);
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
      const unsent = unsentByFlight(db);
      return {
        enrolled: terminalId !== undefined,
        terminalId,
        flight: flight === undefined ? undefined : summary(flight),
        crew,
        cart: flight === undefined ? undefined : cartView(),
        unsentRecords: unsent.reduce((sum, row) => sum + row.records, 0),
        unsentByFlight: unsent,
        chainProblem: guard.problemOf(flight?.flightKey),
      };
    },
    close() {
      autoUpload?.stop();
      database.close();
    },
  };
}
