/**
 * Crew log in with a PIN checked against the manifest's scrypt verifiers. Five wrong PINs lock
 * that crew member out for five minutes; the count is kept in the chain anchor (signed by the
 * device key, outside the database), so neither a restart nor an edited database lifts it.
 */
import { scryptSync, timingSafeEqual } from "node:crypto";
import { type Manifest, PIN_PATTERN } from "@cabinpay/shared";
import type { LoginResult } from "../../api/results.js";
import type { Lockout } from "../integrity/anchor.js";

export const PIN_ATTEMPTS_MAX = 5;
export const LOCKOUT_MS = 5 * 60_000;

/** Where wrong PINs are counted: the chain anchor (`ChainGuard`). */
export interface LockoutStore {
  lockout(flightKey: string, crewId: string): Lockout | undefined;
  setLockout(flightKey: string, crewId: string, lockout: Lockout | undefined): void;
}

export function crewLogin(
  lockouts: LockoutStore,
  input: { flightKey: string; manifest: Manifest; crewId: string; pin: string; nowMs: number },
): LoginResult {
  const member = input.manifest.crew.find((c) => c.crewId === input.crewId);
  if (member === undefined) return { ok: false, reason: "unknown_crew" };
  const state = lockouts.lockout(input.flightKey, input.crewId);
  if (state?.lockedUntilMs != null && input.nowMs < state.lockedUntilMs)
    return { ok: false, reason: "locked", lockedUntilMs: state.lockedUntilMs };

  if (pinMatches(input.pin, member.pinVerifier)) {
    if (state !== undefined) lockouts.setLockout(input.flightKey, input.crewId, undefined);
    return { ok: true, crewId: member.crewId, name: member.name, role: member.role };
  }
  // A lock-out that has run out starts a fresh count.
  const failed = (state?.lockedUntilMs != null ? 0 : (state?.failedAttempts ?? 0)) + 1;
  const lockedUntilMs = failed >= PIN_ATTEMPTS_MAX ? input.nowMs + LOCKOUT_MS : null;
  lockouts.setLockout(input.flightKey, input.crewId, { failedAttempts: failed, lockedUntilMs });
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
