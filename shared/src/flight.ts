/**
 * A flight is identified by its marketing carrier, its number and its scheduled departure date
 * (local date at the origin), e.g. 9C 8850 on 2026-12-01.
 */
import { type ByteReader, type ByteWriter, DecodeError } from "./encoding/binary.js";
import { check } from "./errors.js";

export interface FlightRef {
  /** IATA (2 characters) or ICAO (3 letters) airline designator, upper case. */
  readonly carrier: string;
  /** 1–4 digits without leading zeros, optionally an operational suffix letter: "8850", "12A". */
  readonly number: string;
  /** Scheduled departure date, local at the origin: "YYYY-MM-DD". */
  readonly date: string;
}

/**
 * The one carrier and flight-number rule, as pattern text for JSON Schemas (the ground's routes,
 * the terminal's contract) and as the RegExps below. A carrier is IATA (2 letters or digits) or
 * ICAO (3 letters): "9C8" is neither.
 */
export const CARRIER_PATTERN_TEXT = "^(?:[A-Z0-9]{2}|[A-Z]{3})$";
export const FLIGHT_NUMBER_PATTERN_TEXT = "^[1-9][0-9]{0,3}[A-Z]?$";
const CARRIER_PATTERN = new RegExp(CARRIER_PATTERN_TEXT);
const NUMBER_PATTERN = new RegExp(FLIGHT_NUMBER_PATTERN_TEXT);
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
/** Dates are carried as a u16 day count since 1970-01-01; keep well inside it. */
const FIRST_DATE = "2000-01-01";
const LAST_DATE = "2099-12-31";

export function isValidCarrier(carrier: string): boolean {
  return CARRIER_PATTERN.test(carrier);
}

export function isValidFlightNumber(number: string): boolean {
  return NUMBER_PATTERN.test(number);
}

/** Day number since 1970-01-01 of a real calendar date in range, or undefined. */
export function dateToDays(date: string): number | undefined {
  const match = DATE_PATTERN.exec(date);
  if (match === null || date < FIRST_DATE || date > LAST_DATE) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 2026-02-30 over into March; a real date survives the round trip.
  return daysToDate(ms / MS_PER_DAY) === date ? ms / MS_PER_DAY : undefined;
}

// Formatting a date through Date costs microseconds, and every record and voucher carries one.
const dateStrings = new Map<number, string>();

export function daysToDate(days: number): string {
  let date = dateStrings.get(days);
  if (date === undefined) {
    date = new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
    // Bounded: u16 day numbers, and flights span a few dates at a time.
    if (dateStrings.size >= 4096) dateStrings.clear();
    dateStrings.set(days, date);
  }
  return date;
}

const FIRST_DAYS = dateToDays(FIRST_DATE)!;
const LAST_DAYS = dateToDays(LAST_DATE)!;

export function isValidFlight(flight: FlightRef): boolean {
  return isValidCarrier(flight.carrier) && isValidFlightNumber(flight.number) && dateToDays(flight.date) !== undefined;
}

export function sameFlight(a: FlightRef, b: FlightRef): boolean {
  return a.carrier === b.carrier && a.number === b.number && a.date === b.date;
}

/** The flight a key names ("9C8850/2026-12-01", "CCA1301/2026-12-01"), or undefined. */
export function parseFlightKey(key: string): FlightRef | undefined {
  const match = /^([A-Z]{3}|[A-Z0-9]{2})([1-9][0-9]{0,3}[A-Z]?)\/(\d{4}-\d{2}-\d{2})$/.exec(key);
  if (match === null) return undefined;
  const flight = { carrier: match[1]!, number: match[2]!, date: match[3]! };
  return isValidFlight(flight) ? flight : undefined;
}

/** "9C8850/2026-12-01": the stable text key of a flight (logs, maps, file names). */
export function flightKey(flight: FlightRef): string {
  return `${flight.carrier}${flight.number}/${flight.date}`;
}

/** Accepts what people type ("9c 08850", "MU5101") and normalizes; undefined when it is not one. */
export function parseFlightDesignator(text: string): Pick<FlightRef, "carrier" | "number"> | undefined {
  const match = /^([A-Z]{3}|[A-Z0-9]{2})\s*0*([1-9][0-9]{0,3}[A-Z]?)$/.exec(text.trim().toUpperCase());
  if (match === null) return undefined;
  // "MU5101" is carrier MU + 5101, never carrier MU5 (ICAO codes are letters only).
  return { carrier: match[1]!, number: match[2]! };
}

export function writeFlight(writer: ByteWriter, flight: FlightRef): void {
  check(isValidFlight(flight), `invalid flight ${JSON.stringify(flight)}`);
  writer.str8(flight.carrier, 3).str8(flight.number, 5).u16(dateToDays(flight.date)!);
}

export function readFlight(reader: ByteReader): FlightRef {
  const carrier = reader.str8("flight carrier", 2, 3);
  const number = reader.str8("flight number", 1, 5);
  const days = reader.u16("flight date");
  const date = daysToDate(days);
  // The day number in range is the date valid: every day number formats to a date that reads back.
  if (!isValidCarrier(carrier) || !isValidFlightNumber(number) || days < FIRST_DAYS || days > LAST_DAYS) {
    throw new DecodeError(`flight: invalid ${carrier} ${number} ${date}`);
  }
  return { carrier, number, date };
}
