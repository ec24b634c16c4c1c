/**
 * Money, dates and times for people (browser): integer minor units through the shared formatter,
 * times through Intl in the locale, without seconds, and a flight's times in its origin's time zone
 * (an airport the shared table does not know is shown in UTC, labelled so).
 */
import { airportTimeZone, formatMoney, money } from "@cabinpay/shared";

export interface Formats {
  /** "CN¥1,280.00" / "¥1,280.00". */
  readonly amount: (minor: number, currency: string) => string;
  /** A flight's departure or another time at its origin airport, with the zone said. */
  readonly flightTime: (atMs: number, originAirport: string) => string;
  /** Only the clock time at the origin airport ("07:25"), for a list of one day's flights. */
  readonly flightClock: (atMs: number, originAirport: string) => string;
  /** A moment on this device's clock (what was bought, when someone acted): date and time, no seconds. */
  readonly when: (atMs: number) => string;
}

const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, options);
    cache.set(key, format);
  }
  return format;
}

export function formatsFor(locale: string): Formats {
  const zoneOf = (airport: string) => airportTimeZone(airport) ?? "UTC";
  return {
    amount: (minor, currency) => formatMoney(money(minor, currency), locale),
    flightTime: (atMs, airport) =>
      formatter(locale, { dateStyle: "medium", timeStyle: "short", timeZone: zoneOf(airport) }).format(atMs) +
      ` (${airport.toUpperCase()}${airportTimeZone(airport) === undefined ? ", UTC" : ""})`,
    flightClock: (atMs, airport) =>
      formatter(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zoneOf(airport) }).format(atMs),
    when: (atMs) => formatter(locale, { dateStyle: "medium", timeStyle: "short" }).format(atMs),
  };
}
