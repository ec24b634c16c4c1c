/** The signed flight manifest a terminal loads before departure. */
import { type CatalogItem, type CrewMember, type Manifest, newId, signManifest } from "@cabinpay/shared";
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { catalogItems, crewMembers, flights, trolleyStock } from "../db/schema/flights.js";
import { registrations } from "../db/schema/registrations.js";
import { ApiError } from "../errors.js";
import type { KeyStore } from "../keys/key-store.js";
import { getFlight } from "./flights.js";
import { trustListFor } from "./issuer-keys.js";
import { ratesOf } from "./rates.js";
import { legOf, stockSourceOf, trolleysOf } from "./rotations.js";
import { holdersOf } from "./trolleys.js";

/** Terminals may sell on a manifest until a day after departure. */
export const MANIFEST_AFTER_DEPARTURE_MS = 24 * 3_600_000;
export const SALE_LINES_MAX = 20;

export async function buildManifest(db: Database, keys: KeyStore, flightId: string, nowMs: number): Promise<Manifest> {
  const flight = await getFlight(db, flightId);
  const expiresAtMs = flight.departureAtMs + MANIFEST_AFTER_DEPARTURE_MS;
  if (expiresAtMs <= nowMs) throw new ApiError("flight_not_ready", "this flight has ended");
  const items = await db.select().from(catalogItems).where(eq(catalogItems.flightId, flightId));
  // A leg that carries its stock over loads none: its trolleys are those of the leg it came from.
  const source = await stockSourceOf(db, flightId);
  const trolleys = await trolleysOf(db, flightId);
  const stock = source.carried ? [] : await db.select().from(trolleyStock).where(eq(trolleyStock.flightId, flightId));
  const crew = await db.select().from(crewMembers).where(eq(crewMembers.flightId, flightId));
  if (items.length === 0) throw new ApiError("flight_not_ready", "load the flight's catalog and trolley stock first");
  if (trolleys.length === 0) throw new ApiError("flight_not_ready", "load the trolley stock first");
  if (crew.length === 0) throw new ApiError("flight_not_ready", "set the flight's crew roster first");
  // Marked before the revocations are read: a cancel that did not see this mark committed before
  // it (it holds the flight row shared), so its voucher is in the list below.
  await db
    .update(flights)
    .set({ firstManifestAtMs: nowMs })
    .where(and(eq(flights.id, flightId), isNull(flights.firstManifestAtMs)));
  const trustedKeys = await trustListFor(db, keys, nowMs);
  const revoked = await db
    .select({ id: registrations.id })
    .from(registrations)
    .where(and(eq(registrations.flightId, flightId), eq(registrations.status, "cancelled")));

  const leg = await legOf(db, flightId);
  const catalog: CatalogItem[] = items.map((item) => ({
    sku: item.sku,
    category: item.category,
    nameEn: item.nameEn,
    nameZh: item.nameZh,
    priceMinor: item.priceMinor,
    stockByTrolley: Object.fromEntries(
      trolleys.map((trolley) => [trolley, stock.find((s) => s.sku === item.sku && s.trolleyId === trolley)?.quantity ?? 0]),
    ),
  }));
  const roster: CrewMember[] = crew.map((member) => ({
    crewId: member.crewId,
    name: member.name,
    role: member.role,
    pinVerifier: { log2N: member.pinLog2N, r: member.pinR, p: member.pinP, salt: member.pinSalt, hash: member.pinHash },
  }));
  return signManifest(
    {
      manifestId: newId(),
      flight: { carrier: flight.carrier, number: flight.number, date: flight.flightDate },
      currency: flight.currency as Manifest["currency"],
      issuedAtMs: nowMs,
      expiresAtMs,
      limits: { capMinorMax: flight.capMinorMax, saleMinorMax: flight.capMinorMax, saleLinesMax: SALE_LINES_MAX },
      trolleys,
      catalog,
      trustedKeys,
      revokedVoucherIds: revoked.map((row) => row.id),
      crew: roster,
      rates: await ratesOf(db, flightId),
      codePolicy: flight.codePolicy,
      spendPolicy: flight.spendPolicy,
      // The holders now, of the trolleys this manifest lists (a carried-over leg's are its source's).
      cabinTerminals: (await holdersOf(db, flightId)).filter((holder) => trolleys.includes(holder.trolleyId)),
      ...(leg === undefined
        ? {}
        : { rotation: { rotationId: leg.rotationId, legNumber: leg.legNumber, legCount: leg.legCount, stockCarried: source.carried } }),
    },
    keys.manifestSigner,
  );
}
