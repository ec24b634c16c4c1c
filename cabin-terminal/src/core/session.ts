/**
 * The terminal core's state (core process): the database, the device key, the chain guard, the
 * current flight, who is logged in and the cart, with the few rules every handler leans on. One
 * per running terminal; the handlers (`handlers/`) act on it, `api.ts` dispatches to them.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type CrewRole, HandoffCollector, LIMITS, linesTotalMinor, newId, type Signer } from "@cabinpay/shared";
import { sql } from "drizzle-orm";
import type { CartView, FlightSummary, LoadedFlights } from "../api/contract.js";
import type { UploadAllSummary } from "../api/results.js";
import { type OpenedDatabase, openTerminalDatabase, type TerminalDb } from "./db/open.js";
import { flights } from "./db/schema.js";
import { deviceKey, enrolled } from "./enrolment.js";
import { TerminalError } from "./errors.js";
import { currentFlight, nextLegOf, openLeg } from "./flight/legs.js";
import { type LoadedFlight, loadFlight, manifestFlightKey, openFlight } from "./flight/load.js";
import { type AutoUpload, startAutoUpload } from "./ground/auto-upload.js";
import { groundClient } from "./ground/client.js";
import { handoversDue } from "./ground/handover.js";
import { AUTO_UPLOAD_BACKOFF_MAX_MS, GROUND_TIMEOUT_MS, UPLOAD_POLICY } from "./ground/policies.js";
import { unsentByFlight, uploadAll } from "./ground/upload-all.js";
import { ChainGuard } from "./integrity/anchor.js";
import { type DeviceKeyStore, fileKeyStore } from "./keys/key-store.js";
import { purgeAcknowledged, RETENTION_MS_DEFAULT } from "./retention.js";
import { Cart, priced } from "./sales/cart.js";
import type { Seller } from "./sales/sell.js";
import { snapshotsToShare } from "./sync/cabin.js";

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
  /** Cabin sync with the flight's other terminals (issue 20): where to listen, whom to call, how often. */
  readonly cabin?: {
    readonly listen?: { readonly host: string; readonly port: number };
    readonly peers: readonly string[];
    readonly everyMs: number;
    /** The UDP multicast group where the flight's terminals announce themselves (with `listen`). */
    readonly discovery?: { readonly address: string; readonly port: number };
  };
}

export class TerminalSession {
  readonly db: TerminalDb;
  readonly keys: DeviceKeyStore;
  readonly now: () => number;
  readonly guard: ChainGuard;
  readonly cart = new Cart();
  readonly retentionMs: number;
  readonly ground: { readonly timeoutMs: number; readonly fetch?: typeof fetch };
  crew: { crewId: string; name: string; role: CrewRole } | undefined;
  /** The flight opened last stays current after its service closed: it still has to be uploaded. */
  flight: LoadedFlight | undefined;
  /** Fixed once enrolled: the device key and the enrolment row read once, not on every sale. */
  #identity: { terminalId: string; signer: Signer } | undefined;
  /** One upload at a time, whether crew pressed Upload or the background asked. */
  #uploading: Promise<UploadAllSummary> | undefined;
  readonly #database: OpenedDatabase;
  readonly #autoUpload: AutoUpload | undefined;

  constructor(readonly options: TerminalCoreOptions) {
    // Owner-only: the database holds passenger names and the device key may sit beside it.
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    this.#database = openTerminalDatabase(join(options.dataDir, "terminal.db"));
    this.db = this.#database.db;
    this.keys = options.keyStore ?? fileKeyStore(join(options.dataDir, "device.key"));
    this.now = options.now ?? Date.now;
    this.ground = { timeoutMs: GROUND_TIMEOUT_MS, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) };
    this.retentionMs = options.retentionMs ?? RETENTION_MS_DEFAULT;
    // Every stored chain against the anchor kept with the device key, before anything is sold.
    this.guard = new ChainGuard(this.db, this.keys);
    this.guard.open();
    purgeAcknowledged(this.db, { nowMs: this.now(), retentionMs: this.retentionMs });
    try {
      this.flight = currentFlight(this.db);
    } catch (error) {
      // Refused at start (another app version's flight): nothing stays open behind the refusal.
      this.#database.close();
      throw error;
    }
    this.#autoUpload =
      options.autoUploadEveryMs === undefined
        ? undefined
        : startAutoUpload({
            everyMs: options.autoUploadEveryMs,
            backoffMsMax: AUTO_UPLOAD_BACKOFF_MAX_MS,
            hasUnsent: () => this.flight !== undefined && (unsentByFlight(this.db).length > 0 || handoversDue(this.db).length > 0),
            upload: () => this.uploadOnce(LIMITS.batchRecordsMax),
            onAttempt: () => options.onStatusChanged?.(),
          });
  }

  close(): void {
    this.#autoUpload?.stop();
    this.guard.flushOrWarn();
    this.#database.close();
  }

  current(): LoadedFlight {
    if (this.flight === undefined) throw new TerminalError("no_flight_loaded", "load a flight first");
    return this.flight;
  }

  /** Cabin sync's QR hand-off being scanned from another trolley: its parts so far. */
  readonly handoff = new HandoffCollector();

  seller(): Seller {
    this.#identity ??= { terminalId: enrolled(this.db).terminalId, signer: deviceKey(this.keys) };
    const { deviceCertificate } = enrolled(this.db);
    return { ...this.#identity, crew: this.crew, newId, ...(deviceCertificate === undefined ? {} : { certificate: deviceCertificate }) };
  }

  /** A new enrolment means a new terminal id. */
  forgetIdentity(): void {
    this.#identity = undefined;
  }

  client() {
    return groundClient(this.db, this.keys, { ...this.ground, now: this.now });
  }

  flightRow(loaded: LoadedFlight) {
    const [row] = this.db
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

  summary(loaded: LoadedFlight): FlightSummary {
    const row = this.flightRow(loaded);
    const next = nextLegOf(this.db, loaded);
    const rotation = loaded.manifest.rotation;
    return {
      flightKey: loaded.flightKey,
      currency: loaded.manifest.currency,
      trolleyId: loaded.trolleyId,
      catalogItems: loaded.manifest.catalog.length,
      crew: loaded.manifest.crew.map(({ crewId, name, role }) => ({ crewId, name, role })),
      serviceClosed: (row?.closedAtMs ?? null) !== null,
      recordsPurged: (row?.purgedAtMs ?? null) !== null,
      rotation:
        rotation === undefined
          ? undefined
          : {
              legNumber: rotation.legNumber,
              legCount: rotation.legCount,
              stockCarried: rotation.stockCarried,
              nextFlightKey: next?.flightKey,
              nextStockCarried: next?.manifest.rotation?.stockCarried === true,
            },
      sealAtOpen: row?.sealAtOpen ?? undefined,
      sealAtClose: row?.sealAtClose ?? undefined,
    };
  }

  /** A flight whose records the retention rule removed has no sales to list or report. */
  withRecords(loaded: LoadedFlight): LoadedFlight {
    if ((this.flightRow(loaded)?.purgedAtMs ?? null) !== null)
      throw new TerminalError(
        "records_purged",
        `the records of ${loaded.flightKey} were removed under the retention rule after the ground acknowledged them: finance has the flight's reconciliation`,
      );
    return loaded;
  }

  cartView(): CartView {
    const loaded = this.current();
    const lines = priced(this.cart.lines, loaded.manifest) ?? [];
    return {
      lines: lines.map(({ sku, nameEn, nameZh, quantity, unitPriceMinor }) => ({ sku, nameEn, nameZh, quantity, unitPriceMinor })),
      totalMinor: linesTotalMinor(loaded.manifest.currency, lines),
      currency: loaded.manifest.currency,
    };
  }

  knownSku(sku: string): void {
    if (!this.current().manifest.catalog.some((item) => item.sku === sku))
      throw new TerminalError("invalid_input", `${sku} is not in this flight's catalog`);
  }

  /**
   * A new enrolment gives the terminal a new id, under which the ground would not take the old
   * one's records: nothing unsent may be left behind by it (Stripe's and Square's users lost
   * stored payments exactly so).
   */
  refuseWhileUnsent(then: string, keptFlightKeys: readonly string[] = []): void {
    const unsent = unsentByFlight(this.db).filter((row) => !keptFlightKeys.includes(row.flightKey));
    if (unsent.length === 0) return;
    const what = unsent.map((row) => `${row.records} of ${row.flightKey}`).join(", ");
    throw new TerminalError(
      "records_unsent",
      `records not on the ground yet (${what}): upload them first (Sync, or cabinpay-terminal upload), then ${then}.`,
    );
  }

  uploadOnce(batchSizeMax: number): Promise<UploadAllSummary> {
    this.#uploading ??= (async () => {
      const summary = await uploadAll(this.db, this.current(), this.client(), this.now, {
        batchSizeMax,
        ...UPLOAD_POLICY,
        cabinCounters: (flight) => snapshotsToShare(this.db, flight, this.seller(), this.now()),
        ...(this.options.onUploadProgress === undefined ? {} : { onProgress: this.options.onUploadProgress }),
        onFailed: (flightKey, error) => {
          if (error instanceof TerminalError && error.code === "chain_forked") this.guard.markBroken(flightKey, error.message);
        },
      });
      purgeAcknowledged(this.db, { nowMs: this.now(), retentionMs: this.retentionMs });
      return summary;
    })().finally(() => {
      this.#uploading = undefined;
    });
    return this.#uploading;
  }

  /** Writes to the current flight's chain: only on an intact chain, and the anchor follows. */
  chained<T>(write: () => T): T {
    const { flightKey } = this.current();
    this.guard.requireIntact(flightKey);
    const result = write();
    this.guard.advance(flightKey);
    return result;
  }

  opened(loaded: LoadedFlight, sealAtOpen?: string): FlightSummary {
    openLeg(this.db, loaded, { nowMs: this.now(), ...(sealAtOpen === undefined ? {} : { sealAtOpen }) });
    this.flight = loaded;
    this.crew = undefined;
    this.cart.clear();
    return this.summary(loaded);
  }

  /**
   * Stores every manifest of a rotation (or every assigned flight), then opens the first leg not
   * closed, unless a leg of it is current and open already. Refused while another rotation's
   * records are unsent: they would be left behind by it.
   */
  loadedAll(manifests: readonly { bytes: Uint8Array; trolleyId: string }[]): LoadedFlights {
    const loaded: LoadedFlight[] = [];
    for (const { bytes, trolleyId } of manifests) {
      try {
        loaded.push(loadFlight(this.db, { manifestBytes: bytes, trolleyId, nowMs: this.now() }));
      } catch (error) {
        // A leg already sold on keeps the manifest it was sold under.
        if (!(error instanceof TerminalError && error.code === "flight_in_service")) throw error;
        loaded.push(openFlight(this.db, manifestFlightKey(this.db, bytes)));
      }
    }
    const inOrder = loaded.sort((a, b) => (a.manifest.rotation?.legNumber ?? 0) - (b.manifest.rotation?.legNumber ?? 0));
    const isOpen = (leg: LoadedFlight) => (this.flightRow(leg)?.closedAtMs ?? null) === null;
    const flight = this.flight;
    const currentStays = flight !== undefined && isOpen(flight) && inOrder.some((leg) => leg.flightKey === flight.flightKey);
    if (!currentStays) this.opened(inOrder.find(isOpen) ?? inOrder.at(-1)!);
    return { current: this.summary(this.current()), flights: inOrder.map((leg) => this.summary(leg)) };
  }
}
