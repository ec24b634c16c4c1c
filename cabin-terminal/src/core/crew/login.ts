/**
 * Crew log in with a PIN checked against the manifest's scrypt verifiers. Five wrong PINs lock
 * that crew member out for five minutes; the count is in the database, so restarting the terminal
 * does not lift it.
 */
import { scryptSync, timingSafeEqual } from "node:crypto";
import { type CrewRole, type Manifest, PIN_PATTERN } from "@cabinpay/shared";
import { and, eq } from "drizzle-orm";
import type { TerminalDb } from "../db/open.js";
import { crewLockouts } from "../db/schema.js";

export const PIN_ATTEMPTS_MAX = 5;
export const LOCKOUT_MS = 5 * 60_000;

export type LoginResult =
  | { readonly ok: true; readonly crewId: string; readonly name: string; readonly role: CrewRole }
  | { readonly ok: false; readonly reason: "unknown_crew" }
  | { readonly ok: false; readonly reason: "wrong_pin"; readonly attemptsLeft: number }
  | { readonly ok: false; readonly reason: "locked"; readonly lockedUntilMs: number };

export function crewLogin(
  db: TerminalDb,
  input: { flightKey: string; manifest: Manifest; crewId: string; pin: string; nowMs: number },
): LoginResult {
  const member = input.manifest.crew.find((c) => c.crewId === input.crewId);
  if (member === undefined) return { ok: false, reason: "unknown_crew" };
  const where = and(eq(crewLockouts.flightKey, input.flightKey), eq(crewLockouts.crewId, input.crewId));
  const [state] = db.select().from(crewLockouts).where(where).all();
  if (state?.lockedUntilMs != null && input.nowMs < state.lockedUntilMs)
    return { ok: false, reason: "locked", lockedUntilMs: state.lockedUntilMs };

  if (pinMatches(input.pin, member.pinVerifier)) {
    db.delete(crewLockouts).where(where).run();
    return { ok: true, crewId: member.crewId, name: member.name, role: member.role };
  }
  // A lock-out that has run out starts a fresh count.
  const failed = (state?.lockedUntilMs != null ? 0 : (state?.failedAttempts ?? 0)) + 1;
  const lockedUntilMs = failed >= PIN_ATTEMPTS_MAX ? input.nowMs + LOCKOUT_MS : null;
  db.insert(crewLockouts)
    .values({ flightKey: input.flightKey, crewId: input.crewId, failedAttempts: failed, lockedUntilMs })
    .onConflictDoUpdate({ target: [crewLockouts.flightKey, crewLockouts.crewId], set: { failedAttempts: failed, lockedUntilMs } })
    .run();
  return lockedUntilMs !== null
    ? { ok: false, reason: "locked", lockedUntilMs }
    : { ok: false, reason: "wrong_pin", attemptsLeft: PIN_ATTEMPTS_MAX - failed };
}

/** The shared library's scrypt, natively: same parameters, same bytes, a fraction of the time. */
function pinMatches(pin: string, verifier: Manifest["crew"][number]["pinVerifier"]): boolean {
  if (!PIN_PATTERN.test(pin)) return false;
  const hash = scryptSync(pin, verifier.salt, verifier.hash.length, {
    N: 2 ** verifier.log2N,
    r: verifier.r,
    p: verifier.p,
    maxmem: 256 * 1024 * 1024,
  });
  return timingSafeEqual(hash, verifier.hash);
}
