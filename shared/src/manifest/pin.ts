/**
 * Crew PIN verifiers: scrypt(PIN, per-crew salt). The manifest never carries a PIN, only this, so
 * a copied manifest costs an attacker a scrypt evaluation per guess; the terminal adds a lock-out.
 */
import { scrypt } from "@noble/hashes/scrypt.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { constantTimeEqual } from "../encoding/bytes.js";
import { check } from "../errors.js";

export const PIN_PATTERN = /^\d{4,8}$/;
export const PIN_SALT_BYTES = 16;
export const PIN_HASH_BYTES = 32;
/** Bounds on the cost parameters, so a manifest cannot make a terminal compute for minutes. */
export const PIN_COST_BOUNDS = { log2NMin: 10, log2NMax: 18, rMin: 1, rMax: 16, pMin: 1, pMax: 4 } as const;
/** 2^15 × 8 × 128 B = 32 MiB and tens of milliseconds per check on a terminal. */
export const PIN_COST_DEFAULT = { log2N: 15, r: 8, p: 1 } as const;

export interface PinCost {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
}

export interface PinVerifier extends PinCost {
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

export function isPinCostInBounds(cost: PinCost): boolean {
  const b = PIN_COST_BOUNDS;
  return (
    Number.isInteger(cost.log2N) &&
    Number.isInteger(cost.r) &&
    Number.isInteger(cost.p) &&
    cost.log2N >= b.log2NMin &&
    cost.log2N <= b.log2NMax &&
    cost.r >= b.rMin &&
    cost.r <= b.rMax &&
    cost.p >= b.pMin &&
    cost.p <= b.pMax
  );
}

export function createPinVerifier(
  pin: string,
  cost: PinCost = PIN_COST_DEFAULT,
  salt: Uint8Array = randomBytes(PIN_SALT_BYTES),
): PinVerifier {
  check(PIN_PATTERN.test(pin), "a PIN is 4 to 8 digits");
  check(isPinCostInBounds(cost), "scrypt cost out of bounds");
  check(salt.length === PIN_SALT_BYTES, "salt is 16 bytes");
  return { log2N: cost.log2N, r: cost.r, p: cost.p, salt: salt.slice(), hash: derive(pin, salt, cost) };
}

/** True when `pin` matches; false for a wrong PIN or one that is not 4–8 digits. */
export function checkPin(pin: string, verifier: PinVerifier): boolean {
  if (!PIN_PATTERN.test(pin) || !isPinCostInBounds(verifier)) return false;
  return constantTimeEqual(derive(pin, verifier.salt, verifier), verifier.hash);
}

function derive(pin: string, salt: Uint8Array, cost: PinCost): Uint8Array {
  return scrypt(pin, salt, { N: 2 ** cost.log2N, r: cost.r, p: cost.p, dkLen: PIN_HASH_BYTES, maxmem: 2 ** 30 });
}
