/**
 * Native Ed25519, Node only: verification through node:crypto (OpenSSL), about ten times faster
 * than the portable verifier, and signing through libsodium where it loads (node:crypto where it
 * does not). The ground's batches verify with libsodium on worker threads (sodium-verifier.ts).
 */
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SECRET_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  isUnusablePublicKey,
  keyIdOf,
  type ParallelVerifier,
  publicKeyOf,
  type Signer,
} from "../crypto/ed25519.js";
import { check } from "../errors.js";
import { cachedKeyImport } from "./key-cache.js";
import { sodiumOf } from "./sodium.js";

// DER prefixes that wrap raw Ed25519 keys (RFC 8410) so OpenSSL can import them.
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

export function createNodeVerifier(): ParallelVerifier {
  const importKey = cachedKeyImport((publicKey) => {
    if (isUnusablePublicKey(publicKey)) throw new Error("a small-order or non-canonical key");
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
  });
  const keyOf = (signature: Uint8Array, publicKey: Uint8Array) =>
    signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_PUBLIC_KEY_BYTES ? null : importKey(publicKey);

  return {
    name: "node:crypto",
    verify(signature, message, publicKey) {
      const key = keyOf(signature, publicKey);
      if (key === null) return false;
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
    // With a callback, node:crypto verifies on libuv's thread pool: every core at once, the event
    // loop free for the database meanwhile. One promise for them all: a batch has a thousand.
    verifyAll(items) {
      return new Promise<boolean>((resolve) => {
        let left = items.length;
        let allHold = true;
        const settle = (holds: boolean) => {
          allHold &&= holds;
          left -= 1;
          if (left === 0) resolve(allHold);
        };
        if (left === 0) resolve(true);
        for (const { signature, message, publicKey } of items) {
          const key = keyOf(signature, publicKey);
          if (key === null) {
            settle(false);
            continue;
          }
          try {
            verify(null, message, key, signature, (error, holds) => settle(error === null && holds));
          } catch {
            settle(false);
          }
        }
      });
    },
  };
}

/**
 * A native signer: libsodium where it loads (17 µs a signature against node:crypto's 28 on the
 * ground's machines; a sale signs its record), node:crypto otherwise. Ed25519 is deterministic:
 * both make the very same bytes.
 */
export function createNodeSigner(secretKey: Uint8Array): Signer {
  check(secretKey.length === ED25519_SECRET_KEY_BYTES, "an Ed25519 secret key is 32 bytes");
  const publicKey = publicKeyOf(secretKey);
  return { publicKey, keyId: keyIdOf(publicKey), sign: signingWith(secretKey) };
}

function signingWith(secretKey: Uint8Array): (message: Uint8Array) => Uint8Array {
  const sodium = sodiumOf()?.sodium;
  if (sodium === undefined) {
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secretKey]), format: "der", type: "pkcs8" });
    return (message) => new Uint8Array(sign(null, message, key));
  }
  const expanded = new Uint8Array(64);
  sodium.crypto_sign_seed_keypair(new Uint8Array(ED25519_PUBLIC_KEY_BYTES), expanded, secretKey);
  return (message) => {
    const signature = new Uint8Array(ED25519_SIGNATURE_BYTES);
    sodium.crypto_sign_detached(signature, message, expanded);
    return signature;
  };
}
