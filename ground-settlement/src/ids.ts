import { createHash } from "node:crypto";

/**
 * A UUID derived from a name (RFC 9562 version 8 layout over SHA-256): the same name always gives
 * the same id. Jobs use it for the transfers they make, so a retried job finds its own transfer
 * ("exists") instead of making a second one.
 */
export function derivedId(name: string): string {
  const bytes = createHash("sha256").update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
