/**
 * The ground's clock as this phone sees it (browser): a rotating code's slot must match the
 * terminal's clock, which is the ground's, while a phone's own clock may be minutes off. The
 * offset is learnt from each answer that carries the ground's time (a registration's creation),
 * taken at the middle of the round trip, and kept for flight mode.
 */
const KEY = "cabinpay.groundClockOffsetMs";
/** An offset beyond a year is no clock error but a bad answer: ignored. */
const OFFSET_MS_MAX = 366 * 24 * 3_600_000;

export function rememberGroundClock(groundMs: number, sentAtMs: number, receivedAtMs: number): void {
  const offsetMs = Math.round(groundMs - (sentAtMs + receivedAtMs) / 2);
  if (Number.isFinite(offsetMs) && Math.abs(offsetMs) <= OFFSET_MS_MAX) localStorage.setItem(KEY, String(offsetMs));
}

/** Now, on the ground's clock (the phone's own when nothing was learnt). */
export function groundNowMs(): number {
  const offsetMs = Number(localStorage.getItem(KEY) ?? "0");
  return Date.now() + (Number.isFinite(offsetMs) ? offsetMs : 0);
}
