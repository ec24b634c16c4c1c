/**
 * Bearer secrets: passenger session tokens ("cps_…"), staff web sessions ("cpw_…") and staff API
 * keys ("cpk_…"). Only their
 * SHA-256 is stored, so a copy of the database grants no access.
 */
import { createHash, randomBytes } from "node:crypto";

export const SESSION_PREFIX = "cps_";
export const API_KEY_PREFIX = "cpk_";
/** A staff member's web session (ops, finance). */
export const STAFF_SESSION_PREFIX = "cpw_";
/** Prefix + 43 base64url characters (32 random bytes). */
const TOKEN_PATTERN = /^cp[skw]_[A-Za-z0-9_-]{43}$/;

export function newToken(prefix: typeof SESSION_PREFIX | typeof API_KEY_PREFIX | typeof STAFF_SESSION_PREFIX): {
  token: string;
  hash: string;
} {
  const token = prefix + randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/**
 * The CSRF token of a cookie session: derived from the session token, which the page cannot read
 * (the cookie is HTTP-only), so only a page that was given it by the ground can send it back.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHash("sha256").update(`cabinpay-csrf:${sessionToken}`).digest("base64url");
}
