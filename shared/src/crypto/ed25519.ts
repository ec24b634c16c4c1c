/**
 * Ed25519 signing and verification (portable, through @noble/curves) and key ids.
 *
 * Verification is strict RFC 8032 / FIPS 186-5 (non-canonical encodings refused, `zip215: false`)
 * so that this verifier and the native one in `@cabinpay/shared/node` accept exactly the same
 * signatures: a voucher accepted in the air is accepted on the ground.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { toHex } from "../encoding/bytes.js";
import { check } from "../errors.js";
import { sha256 } from "./hash.js";

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SECRET_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
/** Key ids are the first 8 bytes of SHA-256(public key): short in a QR, collision-free in practice. */
export const KEY_ID_BYTES = 8;

/** Verifies Ed25519 signatures. Implementations never throw: anything malformed is `false`. */
export interface Verifier {
  readonly name: string;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

export interface SignedMessage {
  readonly signature: Uint8Array;
  readonly message: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A verifier that also checks many signatures at once, off the calling thread (node:crypto's thread pool). */
export interface ParallelVerifier extends Verifier {
  /** Whether every one holds. */
  verifyAll(items: readonly SignedMessage[]): Promise<boolean>;
}

/** The verifier as one that verifies across cores, when it is one. */
export function parallelOf(verifier: Verifier): ParallelVerifier | undefined {
  return "verifyAll" in verifier ? (verifier as ParallelVerifier) : undefined;
}

/** Every signature checked: across cores when the verifier can, else one after the other. */
export function verifyAll(verifier: Verifier, items: readonly SignedMessage[]): Promise<boolean> {
  const parallel = parallelOf(verifier);
  if (parallel !== undefined) return parallel.verifyAll(items);
  return Promise.resolve(items.every((item) => verifier.verify(item.signature, item.message, item.publicKey)));
}

/** Signs with one Ed25519 key. */
export interface Signer {
  readonly publicKey: Uint8Array;
  /** {@link keyIdOf} the public key, as 16 lowercase hex characters. */
  readonly keyId: string;
  sign(message: Uint8Array): Uint8Array;
}

export function keyIdBytesOf(publicKey: Uint8Array): Uint8Array {
  check(publicKey.length === ED25519_PUBLIC_KEY_BYTES, "an Ed25519 public key is 32 bytes");
  return sha256(publicKey).slice(0, KEY_ID_BYTES);
}

export function keyIdOf(publicKey: Uint8Array): string {
  return toHex(keyIdBytesOf(publicKey));
}

export function generateSecretKey(): Uint8Array {
  return ed25519.utils.randomSecretKey();
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  check(secretKey.length === ED25519_SECRET_KEY_BYTES, "an Ed25519 secret key is 32 bytes");
  return ed25519.getPublicKey(secretKey);
}

/** A portable signer; Node code may prefer `createNodeSigner` from `@cabinpay/shared/node`. */
export function createNobleSigner(secretKey: Uint8Array): Signer {
  const publicKey = publicKeyOf(secretKey);
  const secret = secretKey.slice();
  return {
    publicKey,
    keyId: keyIdOf(publicKey),
    sign: (message) => ed25519.sign(message, secret),
  };
}

/**
 * Whether a public key is one no verifier here accepts a signature under: not a canonical point
 * of the curve, or a point of small order, under which one signature (R the identity, S zero)
 * holds for every message. noble and libsodium refuse such keys; OpenSSL accepts them, so the
 * native verifier asks this once per key (found when libsodium joined, docs/security.md).
 */
export function isUnusablePublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return true;
  try {
    return ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return true;
  }
}

export const nobleVerifier: Verifier = {
  name: "noble",
  verify(signature, message, publicKey) {
    if (signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      // noble throws on some malformed points; for a verifier that is simply "not valid".
      return false;
    }
  },
};
