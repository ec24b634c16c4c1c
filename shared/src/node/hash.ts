/** SHA-256 through node:crypto (OpenSSL), for `createRecord` and chain checks in Node. Node only. */
import { hash } from "node:crypto";

/**
 * One-shot `crypto.hash` (Node 20.12 and later): a `createHash` object per record cost a start with
 * 50,000 records about 150 ms more on the slowest host measured, and every sale and ingested record a few µs.
 * The digest is viewed, not copied.
 */
export function nodeSha256(bytes: Uint8Array): Uint8Array {
  const digest = hash("sha256", bytes, "buffer");
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}
