/**
 * Imported public keys, kept (Node only): importing a key costs more than a verification, and a
 * flight has few keys (terminals, phones). A key that cannot be imported is kept as null: every
 * signature under it is invalid.
 */
import type { KeyObject } from "node:crypto";

/** Enough for every terminal and phone of a busy day; beyond, the cache starts again. */
const PUBLIC_KEY_CACHE_MAX = 4096;

export function cachedKeyImport(importKey: (publicKey: Uint8Array) => KeyObject): (publicKey: Uint8Array) => KeyObject | null {
  const cache = new Map<string, KeyObject | null>();
  return (publicKey) => {
    const cacheKey = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString("base64");
    const cached = cache.get(cacheKey);
    if (cached !== undefined) return cached;
    let key: KeyObject | null;
    try {
      key = importKey(publicKey);
    } catch {
      key = null;
    }
    if (cache.size >= PUBLIC_KEY_CACHE_MAX) cache.clear();
    cache.set(cacheKey, key);
    return key;
  };
}
