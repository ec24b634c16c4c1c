/**
 * A departure typed as the origin's wall-clock time ("2026-12-01T07:25" at PVG) to an instant
 * (browser, pure): ops type local times from the schedule, whatever zone their own computer is in.
 */
import { airportTimeZone } from "@cabinpay/shared";

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** Milliseconds that zone is ahead of UTC at that instant. */
function offsetMs(atMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(atMs);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return asUtc - (atMs - (atMs % 1000));
}

/** The instant of `wallClock` at `airport` (UTC for an airport the table does not know), or undefined if unreadable. */
export function departureAtMs(wallClock: string, airport: string): number | undefined {
  const match = WALL_CLOCK.exec(wallClock);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const naiveMs = Date.UTC(y, mo - 1, d, h, mi);
  const timeZone = airportTimeZone(airport) ?? "UTC";
  // Twice: the first guess's offset can differ from the answer's across a daylight-saving change.
  const first = naiveMs - offsetMs(naiveMs, timeZone);
  return naiveMs - offsetMs(first, timeZone);
}
