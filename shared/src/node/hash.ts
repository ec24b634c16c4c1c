/** SHA-256 through node:crypto (OpenSSL), for `createRecord` and chain checks in Node. Node only. */
import { createHash } from "node:crypto";

export function nodeSha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}
