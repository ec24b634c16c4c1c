/**
 * Loading a flight before departure: a signed manifest from the ground (or a file carried to the
 * gate) is verified against the ground key pinned at enrolment, then stored with this trolley's
 * stock. It can be replaced (fresher revocations) until the first sale.
 */
import { flightKey, MANIFEST_READABLE_VERSIONS, type Manifest, verifyManifest } from "@cabinpay/shared";
import { createNodeVerifier } from "@cabinpay/shared/node";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { TerminalDb } from "../db/open.js";
import { enrolment, flights, records, stock } from "../db/schema.js";
import { TerminalError } from "../errors.js";

/** Drift allowed between this terminal's clock and the ground's. */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;
const verifier = createNodeVerifier();

export interface LoadedFlight {
  readonly flightKey: string;
  readonly manifest: Manifest;
  readonly trolleyId: string;
}

/**
 * Stores a verified manifest with this trolley's stock. A leg already opened keeps its opening
 * (and, when it carries the previous leg's stock over, that stock): only the fresher revocations
 * and roster are taken.
 */
export function loadFlight(db: TerminalDb, input: { manifestBytes: Uint8Array; trolleyId: string; nowMs: number }): LoadedFlight {
  const { manifest, pinnedKey } = verified(db, input.manifestBytes, { nowMs: input.nowMs, clockToleranceMs: CLOCK_TOLERANCE_MS });
  if (!manifest.trolleys.includes(input.trolleyId)) {
    throw new TerminalError(
      "trolley_not_in_manifest",
      `trolley ${input.trolleyId} is not loaded on this flight (${manifest.trolleys.join(", ")})`,
    );
  }
  const key = flightKey(manifest.flight);
  db.transaction((tx) => {
    const [sold] = tx.select({ id: records.recordId }).from(records).where(eq(records.flightKey, key)).limit(1).all();
    if (sold !== undefined)
      throw new TerminalError("flight_in_service", "sales were made on this flight: its manifest can no longer be replaced");
    const [before] = tx
      .select({ openedAtMs: flights.openedAtMs, trolleyId: flights.trolleyId })
      .from(flights)
      .where(eq(flights.flightKey, key))
      .all();
    const openedAtMs = before?.trolleyId === input.trolleyId ? (before.openedAtMs ?? null) : null;
    const keepStock = openedAtMs !== null && manifest.rotation?.stockCarried === true;
    if (!keepStock) tx.delete(stock).where(eq(stock.flightKey, key)).run();
    const row = {
      manifestId: manifest.manifestId,
      manifest: Buffer.from(manifest.bytes),
      trolleyId: input.trolleyId,
      loadedAtMs: input.nowMs,
      rotationId: manifest.rotation?.rotationId ?? null,
      legNumber: manifest.rotation?.legNumber ?? null,
      openedAtMs,
    };
    tx.insert(flights)
      .values({ flightKey: key, ...row })
      .onConflictDoUpdate({ target: flights.flightKey, set: row })
      .run();
    if (!keepStock)
      tx.insert(stock)
        .values(manifest.catalog.map((item) => ({ flightKey: key, sku: item.sku, quantity: item.stockByTrolley[input.trolleyId]! })))
        .run();
  });
  const loaded = { flightKey: key, manifest, trolleyId: input.trolleyId };
  // Opening it next (the service, the status bar) finds these very bytes verified: not decoded again.
  openedFlights(db).set(key, { bytes: Buffer.from(manifest.bytes), pinnedKey, loaded });
  return loaded;
}

/**
 * A flight loaded before, its manifest checked again (the stored bytes could have been edited):
 * its signature, not its time window, which was checked when it was loaded. A terminal opened a
 * day after its flight must still start and upload; selling then is refused by `charge`.
 */
export function openFlight(db: TerminalDb, key: string): LoadedFlight {
  const [row] = db.select().from(flights).where(eq(flights.flightKey, key)).all();
  if (row === undefined) throw new TerminalError("no_flight_loaded", `flight ${key} is not loaded: load its manifest first`);
  if (!MANIFEST_READABLE_VERSIONS.includes(row.manifest[0] ?? 0)) refuseOtherVersion(db, key, row.manifest[0] ?? 0);
  // The same bytes verify the same way: the status bar's next leg, the upload of an earlier leg
  // and each start open flights again, and only changed bytes are decoded and verified again.
  // Checked against the key pinned now (a new enrolment pins another).
  const [pinned] = db.select({ key: enrolment.manifestPublicKey }).from(enrolment).all();
  const opened = openedFlights(db);
  const known = opened.get(key);
  if (
    known !== undefined &&
    pinned !== undefined &&
    known.bytes.equals(row.manifest) &&
    known.pinnedKey.equals(pinned.key) &&
    known.loaded.trolleyId === row.trolleyId
  )
    return known.loaded;
  const { manifest, pinnedKey } = verified(db, row.manifest, ANY_TIME);
  const loaded = { flightKey: key, manifest, trolleyId: row.trolleyId };
  opened.set(key, { bytes: Buffer.from(row.manifest), pinnedKey, loaded });
  return loaded;
}

interface OpenedFlight {
  readonly bytes: Buffer;
  readonly pinnedKey: Buffer;
  readonly loaded: LoadedFlight;
}
const openedByDb = new WeakMap<TerminalDb, Map<string, OpenedFlight>>();

function openedFlights(db: TerminalDb): Map<string, OpenedFlight> {
  let opened = openedByDb.get(db);
  if (opened === undefined) {
    opened = new Map();
    openedByDb.set(db, opened);
  }
  return opened;
}

/**
 * This app version cannot read a flight another version stored (a downgrade, or a version that
 * dropped an old format): it changes nothing and says how to get the records up.
 */
function refuseOtherVersion(db: TerminalDb, key: string, format: number): never {
  const [unsent] = db
    .select({ n: sql<number>`count(*)` })
    .from(records)
    .where(and(eq(records.flightKey, key), isNull(records.uploadedAtMs)))
    .all();
  const what = `this app version cannot read flight ${key} as another version stored it (manifest format ${format}; it reads ${MANIFEST_READABLE_VERSIONS.join(", ")})`;
  if ((unsent?.n ?? 0) === 0) throw new TerminalError("manifest_rejected", `${what}: load the flight again`);
  throw new TerminalError(
    "records_unsent",
    `${what}, and ${unsent!.n} of its records are not on the ground yet: run the version that loaded it, upload, then change versions. Nothing was changed.`,
  );
}

/** The flight a manifest is for, once its signature holds (its time window is checked when it is loaded). */
export function manifestFlightKey(db: TerminalDb, bytes: Uint8Array): string {
  return flightKey(verified(db, bytes, ANY_TIME).manifest.flight);
}

/** A clock and tolerance under which every time window holds. */
const ANY_TIME = { nowMs: 0, clockToleranceMs: Number.MAX_SAFE_INTEGER };

/** The manifest, checked against the ground key this terminal pinned at enrolment (returned too: what it was checked against). */
function verified(
  db: TerminalDb,
  bytes: Uint8Array,
  clock: { nowMs: number; clockToleranceMs: number },
): { manifest: Manifest; pinnedKey: Buffer } {
  const [enrolled] = db.select().from(enrolment).all();
  if (enrolled === undefined) throw new TerminalError("not_enrolled", "enrol this terminal with the ground first");
  const result = verifyManifest(new Uint8Array(bytes), {
    manifestKey: new Uint8Array(enrolled.manifestPublicKey),
    verifier,
    ...clock,
  });
  if (!result.ok) throw new TerminalError("manifest_rejected", `manifest refused (${result.reason}): ${result.detail}`);
  return { manifest: result.manifest, pinnedKey: Buffer.from(enrolled.manifestPublicKey) };
}
