/**
 * libsodium (sodium-native), loaded once per process where its prebuilt binary loads: the native
 * signer and the fast verifier use it, and fall back to node:crypto where it does not.
 */
import { createRequire } from "node:module";

export interface Sodium {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
}

interface Loaded {
  readonly sodium: Sodium;
  /** For worker threads to `require`. */
  readonly path: string;
}

function loadSodium(): Loaded | undefined {
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve("sodium-native");
    return { sodium: require(path) as Sodium, path };
  } catch {
    return undefined;
  }
}

let loaded: Loaded | null | undefined;

/** libsodium, loaded once per process; undefined where it cannot be. */
export function sodiumOf(): Loaded | undefined {
  if (loaded === undefined) loaded = loadSodium() ?? null;
  return loaded ?? undefined;
}

/**
 * Where libsodium's module is, for a worker thread of another module to `require` (the
 * terminal's second core); undefined where it cannot be loaded. Whoever verifies with it there
 * must ask node:crypto before calling a signature bad: libsodium refuses more (sodium-verifier.ts).
 */
export function libsodiumPath(): string | undefined {
  return sodiumOf()?.path;
}
