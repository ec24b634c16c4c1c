/**
 * Signed terminal requests: every HTTP request a cabin terminal makes to the ground is signed with
 * its device key over the method, path, a timestamp, a one-time nonce and the body's SHA-256, so a
 * captured request can be neither altered nor replayed.
 *
 * Signed message: "CPQ1" ‖ UTF-8 of `${METHOD}\n${path and query}\n${timestampMs}\n${nonce}\n${hex SHA-256 of body}`
 */

import { SIGNATURE_DOMAIN } from "../crypto/domain.js";
import type { Signer } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import { concatBytes, toHex, utf8Encode } from "../encoding/bytes.js";
import { check } from "../errors.js";

export const TERMINAL_REQUEST_HEADERS = {
  terminalId: "x-cabinpay-terminal",
  timestampMs: "x-cabinpay-timestamp",
  nonce: "x-cabinpay-nonce",
  signature: "x-cabinpay-signature",
} as const;

/** 16 to 64 characters of base64url: at least 96 bits when made by {@link signTerminalRequest}. */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
/** How far a request's timestamp may be from the receiver's clock. */
export const REQUEST_WINDOW_MS = 5 * 60_000;

export interface TerminalRequestParts {
  readonly method: string;
  /** Path with its query string, exactly as sent: "/terminal/flights/…/manifest". */
  readonly path: string;
  readonly timestampMs: number;
  readonly nonce: string;
  readonly body: Uint8Array;
}

/** What a request's signature covers; `hash` is SHA-256, native where there is one (`nodeSha256`: an upload's body is 100 kB and more). */
export function terminalRequestMessage(parts: TerminalRequestParts, hash: (bytes: Uint8Array) => Uint8Array = sha256): Uint8Array {
  const text = [parts.method.toUpperCase(), parts.path, String(parts.timestampMs), parts.nonce, toHex(hash(parts.body))].join("\n");
  return concatBytes(SIGNATURE_DOMAIN.terminalRequest, utf8Encode(text));
}

/** The four headers to send with a request. */
export function signTerminalRequest(
  signer: Signer,
  terminalId: string,
  request: { method: string; path: string; body: Uint8Array; timestampMs: number; nonce: string },
  hash: (bytes: Uint8Array) => Uint8Array = sha256,
): Record<string, string> {
  check(NONCE_PATTERN.test(request.nonce), "nonce: 16 to 64 base64url characters");
  check(Number.isSafeInteger(request.timestampMs) && request.timestampMs > 0, "timestampMs");
  const signature = signer.sign(terminalRequestMessage(request, hash));
  return {
    [TERMINAL_REQUEST_HEADERS.terminalId]: terminalId,
    [TERMINAL_REQUEST_HEADERS.timestampMs]: String(request.timestampMs),
    [TERMINAL_REQUEST_HEADERS.nonce]: request.nonce,
    [TERMINAL_REQUEST_HEADERS.signature]: toBase64Url(signature),
  };
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Unpadded base64url (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    for (let c = 0; c < chars; c++) out += BASE64URL[(n >> (18 - c * 6)) & 63]!;
  }
  return out;
}

/** Strict unpadded base64url; undefined for anything else. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const group = text.slice(i, i + 4);
    let n = 0;
    for (let c = 0; c < 4; c++) n = (n << 6) | (c < group.length ? BASE64URL.indexOf(group[c]!) : 0);
    out[o++] = (n >> 16) & 0xff;
    if (group.length > 2) out[o++] = (n >> 8) & 0xff;
    if (group.length > 3) out[o++] = n & 0xff;
  }
  // Reject non-canonical trailing bits, so every byte string has one encoding.
  return toBase64Url(out) === text ? out : undefined;
}
