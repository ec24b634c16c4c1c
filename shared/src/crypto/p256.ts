/**
 * The passenger's device key: ECDSA over P-256 with SHA-256, because it is the one signature
 * every phone browser's WebCrypto makes with a key that never leaves it (non-extractable, kept in
 * IndexedDB). Ed25519 in WebCrypto is not yet everywhere. Public keys travel compressed (33 bytes,
 * SEC 1), signatures as r ‖ s (64 bytes, IEEE P1363: what WebCrypto answers).
 *
 * Verification accepts high-S signatures: WebCrypto does not normalize s, and nothing here keys on
 * the signature bytes (a code is known by its voucher, slot and counter), so malleability buys
 * nothing.
 */
import { p256 } from "@noble/curves/nist.js";
import { check } from "../errors.js";

export const P256_PUBLIC_KEY_BYTES = 33;
export const P256_SIGNATURE_BYTES = 64;

/** Signs with one device key (the phone's WebCrypto key, or a portable one in tests and fallbacks). */
export interface DeviceSigner {
  /** Compressed SEC 1, 33 bytes. */
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/**
 * Checks device signatures: the portable one below everywhere, node:crypto's where Node runs (the
 * terminal's core, the ground's ingest: `createNodeDeviceVerifier`, about 8× faster).
 */
export interface DeviceVerifier {
  readonly name: string;
  /** ECDSA P-256 / SHA-256 over `message` by the compressed `publicKey`. Never throws. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/** Keys found on the curve, remembered at most: decompressing a point costs about 0.1 ms in portable code, and a terminal reads the same phone's key at every sale. */
export const VALID_DEVICE_KEYS_MAX = 4_096;
const validDeviceKeys = new Set<string>();

/** Whether 33 bytes are a compressed point on P-256 (not the point at infinity). */
export function isDevicePublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== P256_PUBLIC_KEY_BYTES) return false;
  const key = String.fromCharCode(...publicKey);
  if (validDeviceKeys.has(key)) return true;
  try {
    p256.Point.fromBytes(publicKey).assertValidity();
  } catch {
    return false;
  }
  // Only keys found valid are kept (a pure function of the bytes), the oldest dropped first.
  if (validDeviceKeys.size >= VALID_DEVICE_KEYS_MAX) validDeviceKeys.delete(validDeviceKeys.values().next().value!);
  validDeviceKeys.add(key);
  return true;
}

/** ECDSA P-256 / SHA-256 over `message`. Never throws: anything malformed is `false`. */
export function deviceSignatureHolds(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== P256_SIGNATURE_BYTES || publicKey.length !== P256_PUBLIC_KEY_BYTES) return false;
  try {
    return p256.verify(signature, message, publicKey, { lowS: false });
  } catch {
    return false;
  }
}

/** Compresses a raw (65-byte, 0x04 ‖ x ‖ y) public key, as WebCrypto exports it. */
export function compressDevicePublicKey(raw: Uint8Array): Uint8Array {
  check(raw.length === 65 && raw[0] === 4, "a raw P-256 public key is 65 bytes starting with 4");
  return p256.Point.fromBytes(raw).toBytes(true);
}

/** A portable device signer (tests, and phones whose browser keeps no WebCrypto key). */
export function createPortableDeviceSigner(secretKey: Uint8Array = p256.utils.randomSecretKey()): DeviceSigner & {
  readonly secretKey: Uint8Array;
  /** The same signature, at once (deterministic, RFC 6979): for test vectors. */
  signSync(message: Uint8Array): Uint8Array;
} {
  const secret = secretKey.slice();
  const signSync = (message: Uint8Array) => p256.sign(message, secret);
  return { publicKey: p256.getPublicKey(secret, true), secretKey: secret, signSync, sign: async (message) => signSync(message) };
}

/** The portable device verifier (@noble/curves): browsers, and Node when nothing faster is given. */
export const nobleDeviceVerifier: DeviceVerifier = { name: "noble", verify: deviceSignatureHolds };
