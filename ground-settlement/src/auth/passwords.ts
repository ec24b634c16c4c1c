/**
 * Passenger passwords: scrypt with a per-password salt, stored as
 * "scrypt$<log2N>$<r>$<p>$<salt b64>$<hash b64>" so the cost can rise without breaking old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

import { PASSWORD_LENGTH } from "../dto/common.js";

export { PASSWORD_LENGTH };

const HASH_BYTES = 32;

function derive(password: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, HASH_BYTES, { N: 2 ** log2N, r, p, maxmem: 256 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string, log2N: number): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, log2N, 8, 1);
  return `scrypt$${log2N}$8$1$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, log2N, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await derive(password, Buffer.from(salt, "base64"), Number(log2N), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * What a log-in compares against when the e-mail is unknown: a verifier of the cost new passwords
 * get, so an unknown and a known e-mail take the same scrypt work and the answer time tells
 * nothing (a cheaper dummy answered an unknown e-mail about 30 times faster at cost 15).
 */
export function unknownAccountVerifier(log2N: number): string {
  return `scrypt$${log2N}$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;
}
