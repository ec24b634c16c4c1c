/** Flights: creation and lookup, catalog and trolley stock, crew roster with PIN verifiers. */
import { randomBytes, scrypt } from "node:crypto";
import {
  type CodePolicy,
  CREW_ROLES,
  type CrewRole,
  dateToDays,
  describeTextProblem,
  isCategory,
  isCrewId,
  isCurrencyCode,
  isSku,
  isTrolleyId,
  isValidCarrier,
  isValidFlightNumber,
  LIMITS,
  newId,
  normalizeText,
  PIN_COST_DEFAULT,
  PIN_HASH_BYTES,
  PIN_PATTERN,
  PIN_SALT_BYTES,
  type SpendPolicy,
  textProblem,
} from "@cabinpay/shared";
import { and, eq } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { catalogItems, crewMembers, flights, trolleyStock } from "../db/schema/flights.js";
import { ApiError } from "../errors.js";
import { CsvError, parseCsv } from "./csv.js";

export type Flight = typeof flights.$inferSelect;

export type FlightIdentity = ReturnType<typeof flightIdentity>;

/** How a flight is named to people and clients: which it is, from where to where, when. */
export function flightIdentity(flight: Flight) {
  return {
    flightId: flight.id,
    carrier: flight.carrier,
    number: flight.number,
    date: flight.flightDate,
    origin: flight.origin,
    destination: flight.destination,
    departureAtMs: flight.departureAtMs,
  };
}

/** Default registration cut-off before departure: vouchers must reach the manifest in time. */
export const REGISTRATION_CUTOFF_MS = 2 * 3_600_000;

export interface NewFlight {
  readonly carrier: string;
  readonly number: string;
  readonly date: string;
  readonly origin: string;
  readonly destination: string;
  readonly currency: string;
  readonly departureAtMs: number;
  readonly capMinorMax: number;
  readonly registrationClosesAtMs?: number;
  /** Printed vouchers too (the default), or phones' live codes only. */
  readonly codePolicy?: CodePolicy;
  /** Each trolley the cap while apart (the default), or its share. */
  readonly spendPolicy?: SpendPolicy;
}

export async function createFlight(db: Database, input: NewFlight, nowMs: number): Promise<Flight> {
  const problems: string[] = [];
  if (!isValidCarrier(input.carrier)) problems.push("carrier: 2 characters (IATA) or 3 letters (ICAO)");
  if (!isValidFlightNumber(input.number)) problems.push("number: 1 to 4 digits without leading zeros, optional suffix letter");
  if (dateToDays(input.date) === undefined) problems.push("date: a real date YYYY-MM-DD from 2000 to 2099");
  if (!isCurrencyCode(input.currency)) problems.push(`currency: unsupported ${input.currency}`);
  if (input.capMinorMax > LIMITS.voucherCapMinorMax) problems.push(`capMinorMax: at most ${LIMITS.voucherCapMinorMax}`);
  const closesAtMs = input.registrationClosesAtMs ?? input.departureAtMs - REGISTRATION_CUTOFF_MS;
  if (closesAtMs > input.departureAtMs) problems.push("registrationClosesAtMs: at or before departure");
  if (problems.length > 0) throw new ApiError("validation_failed", problems.join("; "), problems);
  const [flight] = await db
    .insert(flights)
    .values({
      id: newId(),
      carrier: input.carrier,
      number: input.number,
      flightDate: input.date,
      origin: input.origin,
      destination: input.destination,
      currency: input.currency,
      departureAtMs: input.departureAtMs,
      capMinorMax: input.capMinorMax,
      registrationClosesAtMs: closesAtMs,
      codePolicy: input.codePolicy ?? "printed_accepted",
      spendPolicy: input.spendPolicy ?? "full",
      createdAtMs: nowMs,
    })
    .onConflictDoNothing()
    .returning();
  if (flight === undefined) throw new ApiError("flight_exists", `${input.carrier}${input.number} on ${input.date} exists`);
  return flight;
}

export async function getFlight(db: Executor, flightId: string): Promise<Flight> {
  const [flight] = await db.select().from(flights).where(eq(flights.id, flightId));
  if (flight === undefined) throw new ApiError("flight_not_found", `no flight ${flightId}`);
  return flight;
}

export async function findFlights(db: Database, query: { carrier: string; number: string; date?: string }): Promise<Flight[]> {
  const conditions = [eq(flights.carrier, query.carrier), eq(flights.number, query.number)];
  if (query.date !== undefined) conditions.push(eq(flights.flightDate, query.date));
  return db
    .select()
    .from(flights)
    .where(and(...conditions))
    .orderBy(flights.departureAtMs)
    .limit(50);
}

export interface CatalogEntry {
  readonly sku: string;
  readonly nameEn: string;
  readonly nameZh: string;
  readonly category: string;
  readonly priceMinor: number;
  readonly stock: Readonly<Record<string, number>>;
}

export interface LineProblem {
  readonly line: number;
  readonly message: string;
}

const utf8Bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** Every rule an entry must follow; problems are reported per line (or per item for JSON). */
export function catalogProblems(entries: readonly CatalogEntry[], lineOf: (index: number) => number): LineProblem[] {
  const problems: LineProblem[] = [];
  const seen = new Set<string>();
  const trolleys = entries[0] === undefined ? [] : Object.keys(entries[0].stock).sort();
  if (entries.length === 0) problems.push({ line: 0, message: "the catalog has no items" });
  if (entries.length > LIMITS.manifestCatalogItemsMax)
    problems.push({ line: 0, message: `more than ${LIMITS.manifestCatalogItemsMax} items` });
  // No trolleys: prices only, for a leg of a rotation whose trolleys carry their stock over.
  if (trolleys.length > LIMITS.manifestTrolleysMax) problems.push({ line: 0, message: `at most ${LIMITS.manifestTrolleysMax} trolleys` });
  entries.forEach((entry, index) => {
    const line = lineOf(index);
    const bad = (message: string) => problems.push({ line, message });
    if (!isSku(entry.sku)) bad(`sku ${JSON.stringify(entry.sku)}: letters, digits, . _ - (at most ${LIMITS.skuBytesMax})`);
    else if (seen.has(entry.sku)) bad(`sku ${entry.sku} appears twice`);
    seen.add(entry.sku);
    for (const [column, text] of [
      ["name_en", entry.nameEn],
      ["name_zh", entry.nameZh],
    ] as const) {
      const problem = textProblem(text);
      if (problem !== undefined) bad(`${column} ${describeTextProblem(problem)}`);
    }
    if (entry.nameEn.trim() === "" || utf8Bytes(entry.nameEn) > LIMITS.productNameBytesMax)
      bad(`name_en: 1 to ${LIMITS.productNameBytesMax} bytes`);
    if (utf8Bytes(entry.nameZh) > LIMITS.productNameBytesMax) bad(`name_zh: at most ${LIMITS.productNameBytesMax} bytes`);
    if (!isCategory(entry.category)) bad(`category ${JSON.stringify(entry.category)}: letters, digits, _ -`);
    if (!Number.isSafeInteger(entry.priceMinor) || entry.priceMinor < 0) bad("price_minor: a whole number of minor units, 0 or more");
    const names = Object.keys(entry.stock).sort();
    if (names.join() !== trolleys.join()) bad(`stock must be given for exactly the trolleys ${trolleys.join(", ")}`);
    for (const [trolley, quantity] of Object.entries(entry.stock)) {
      if (!isTrolleyId(trolley)) bad(`trolley id ${JSON.stringify(trolley)}: letters, digits, _ -`);
      if (!Number.isInteger(quantity) || quantity < 0 || quantity > LIMITS.stockPerTrolleyMax)
        bad(`stock on ${trolley}: 0 to ${LIMITS.stockPerTrolleyMax}`);
    }
  });
  return problems;
}

/** Reads the airline CSV: sku,name_en,name_zh,category,price_minor,currency,trolley_<id>_stock… */
export function catalogFromCsv(text: string, currency: string): CatalogEntry[] {
  let rows: ReturnType<typeof parseCsv>;
  try {
    rows = parseCsv(text, { rowsMax: LIMITS.manifestCatalogItemsMax + 1, fieldsMax: 6 + LIMITS.manifestTrolleysMax, fieldCharsMax: 400 });
  } catch (error) {
    if (error instanceof CsvError)
      throw new ApiError("invalid_catalog", `line ${error.line}: ${error.message}`, [{ line: error.line, message: error.message }]);
    throw error;
  }
  const [header, ...data] = rows;
  const required = ["sku", "name_en", "name_zh", "category", "price_minor", "currency"];
  const columns = header?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  const trolleyColumns = columns.flatMap((name, index) => {
    const match = /^trolley_([a-z0-9_-]+)_stock$/i.exec(name);
    return match ? [{ index, trolley: match[1]!.toUpperCase() }] : [];
  });
  const missing = required.filter((name) => !columns.includes(name));
  if (header === undefined || missing.length > 0) {
    const message = `header must have ${required.join(",")} (and a trolley_<id>_stock column per trolley loaded)${missing.length ? `; missing ${missing.join(", ")}` : ""}`;
    throw new ApiError("invalid_catalog", `line 1: ${message}`, [{ line: 1, message }]);
  }
  const at = (row: readonly string[], name: string) => normalizeText(row[columns.indexOf(name)]?.trim() ?? "");
  const problems: LineProblem[] = [];
  const entries = data.map((row) => {
    if (row.fields.length !== columns.length)
      problems.push({ line: row.line, message: `${row.fields.length} fields, the header has ${columns.length}` });
    const price = at(row.fields, "price_minor");
    if (at(row.fields, "currency") !== currency)
      problems.push({ line: row.line, message: `currency ${JSON.stringify(at(row.fields, "currency"))}: the flight sells in ${currency}` });
    const stock: Record<string, number> = {};
    for (const { index, trolley } of trolleyColumns) {
      const text = row.fields[index]?.trim() ?? "";
      stock[trolley] = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
    }
    return {
      sku: at(row.fields, "sku"),
      nameEn: at(row.fields, "name_en"),
      nameZh: at(row.fields, "name_zh"),
      category: at(row.fields, "category"),
      priceMinor: /^\d{1,15}$/.test(price) ? Number(price) : Number.NaN,
      stock,
    };
  });
  problems.push(...catalogProblems(entries, (index) => data[index]!.line));
  if (problems.length > 0) throw invalidCatalog(problems);
  return entries;
}

export function invalidCatalog(problems: readonly LineProblem[]): ApiError {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  return new ApiError("invalid_catalog", `${sorted.length} problem(s), first at line ${sorted[0]!.line}: ${sorted[0]!.message}`, sorted);
}

/** Replaces the flight's catalog and stock in one transaction: all lines or none. */
export async function replaceCatalog(
  db: Database,
  flightId: string,
  entries: readonly CatalogEntry[],
): Promise<{ items: number; trolleys: string[] }> {
  await getFlight(db, flightId);
  await db.transaction(async (tx) => {
    await tx.delete(trolleyStock).where(eq(trolleyStock.flightId, flightId));
    await tx.delete(catalogItems).where(eq(catalogItems.flightId, flightId));
    await tx
      .insert(catalogItems)
      .values(
        entries.map((e) => ({ flightId, sku: e.sku, category: e.category, nameEn: e.nameEn, nameZh: e.nameZh, priceMinor: e.priceMinor })),
      );
    const stock = entries.flatMap((e) =>
      Object.entries(e.stock).map(([trolleyId, quantity]) => ({ flightId, trolleyId, sku: e.sku, quantity })),
    );
    if (stock.length > 0) await tx.insert(trolleyStock).values(stock);
  });
  return { items: entries.length, trolleys: Object.keys(entries[0]!.stock).sort() };
}

export interface CrewInput {
  readonly crewId: string;
  readonly name: string;
  readonly role: CrewRole;
  readonly pin: string;
}

/** Replaces the roster. PINs become scrypt verifiers here and are never stored. */
export async function setCrew(db: Database, flightId: string, crew: readonly CrewInput[]): Promise<{ crew: number }> {
  await getFlight(db, flightId);
  const problems: string[] = [];
  const ids = new Set<string>();
  crew.forEach((member, index) => {
    if (!isCrewId(member.crewId)) problems.push(`crew[${index}].crewId: letters, digits, _ - (at most ${LIMITS.crewIdBytesMax})`);
    if (ids.has(member.crewId)) problems.push(`crew[${index}].crewId ${member.crewId} appears twice`);
    ids.add(member.crewId);
    if (utf8Bytes(member.name) > LIMITS.crewNameBytesMax || member.name.trim() === "")
      problems.push(`crew[${index}].name: 1 to ${LIMITS.crewNameBytesMax} bytes`);
    if (!CREW_ROLES.includes(member.role)) problems.push(`crew[${index}].role: crew or purser`);
    if (!PIN_PATTERN.test(member.pin)) problems.push(`crew[${index}].pin: 4 to 8 digits`);
  });
  if (crew.length === 0 || crew.length > LIMITS.manifestCrewMax) problems.push(`1 to ${LIMITS.manifestCrewMax} crew`);
  if (problems.length > 0) throw new ApiError("invalid_crew", problems.join("; "), problems);
  const rows = await Promise.all(
    crew.map(async (member) => {
      const salt = randomBytes(PIN_SALT_BYTES);
      const { log2N, r, p } = PIN_COST_DEFAULT;
      const hash = await new Promise<Buffer>((resolve, reject) =>
        scrypt(member.pin, salt, PIN_HASH_BYTES, { N: 2 ** log2N, r, p, maxmem: 128 * 1024 * 1024 }, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      );
      return {
        flightId,
        crewId: member.crewId,
        name: member.name.trim(),
        role: member.role,
        pinLog2N: log2N,
        pinR: r,
        pinP: p,
        pinSalt: salt,
        pinHash: hash,
      };
    }),
  );
  await db.transaction(async (tx) => {
    await tx.delete(crewMembers).where(eq(crewMembers.flightId, flightId));
    await tx.insert(crewMembers).values(rows);
  });
  return { crew: rows.length };
}

/** A flight as the API shows it. */
export function flightView(flight: Flight) {
  return {
    ...flightIdentity(flight),
    currency: flight.currency,
    capMinorMax: flight.capMinorMax,
    registrationClosesAtMs: flight.registrationClosesAtMs,
    codePolicy: flight.codePolicy,
    spendPolicy: flight.spendPolicy,
  };
}

/**
 * Ops set what pays on board. Manifests made from now on carry it; a terminal holding an older
 * manifest follows that one's until it loads the next (the manifest is the terminal's truth).
 */
export async function setCodePolicy(db: Database, flightId: string, codePolicy: CodePolicy): Promise<Flight> {
  return setPolicy(db, flightId, { codePolicy });
}

/**
 * Ops set what a trolley may approve while it cannot hear the others (cabin sync): the cap, or its
 * share of what is left. Manifests from now on carry it, as the code policy.
 */
export async function setSpendPolicy(db: Database, flightId: string, spendPolicy: SpendPolicy): Promise<Flight> {
  return setPolicy(db, flightId, { spendPolicy });
}

async function setPolicy(db: Database, flightId: string, policy: { codePolicy?: CodePolicy; spendPolicy?: SpendPolicy }): Promise<Flight> {
  const [flight] = await db.update(flights).set(policy).where(eq(flights.id, flightId)).returning();
  if (flight === undefined) throw new ApiError("not_found", `no flight ${flightId}`);
  return flight;
}
