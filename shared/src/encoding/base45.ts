/**
 * Base45 (RFC 9285). Its alphabet is exactly the QR code alphanumeric set, so a base45 text is
 * drawn in alphanumeric mode (5.5 bits a character) instead of byte mode (8 bits).
 */

import { utf8Decode } from "./bytes.js";

export const BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

const DECODE_TABLE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE45_ALPHABET.length; i++) DECODE_TABLE[BASE45_ALPHABET.charCodeAt(i)] = i;

const ALPHABET_CODES = Uint8Array.from(BASE45_ALPHABET, (char) => char.charCodeAt(0));

/** Written as character codes and made text once: a terminal encodes a receipt at every sale. */
export function base45Encode(bytes: Uint8Array): string {
  const codes = new Uint8Array(Math.floor(bytes.length / 2) * 3 + (bytes.length % 2) * 2);
  let o = 0;
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    let n = bytes[i]! * 256 + bytes[i + 1]!;
    const c = n % 45;
    n = (n - c) / 45;
    const d = n % 45;
    codes[o++] = ALPHABET_CODES[c]!;
    codes[o++] = ALPHABET_CODES[d]!;
    codes[o++] = ALPHABET_CODES[(n - d) / 45]!;
  }
  if (i < bytes.length) {
    const n = bytes[i]!;
    codes[o++] = ALPHABET_CODES[n % 45]!;
    codes[o++] = ALPHABET_CODES[Math.floor(n / 45)]!;
  }
  return utf8Decode(codes);
}

/**
 * Strict decoding: returns undefined for a character outside the alphabet, a dangling single
 * character, or a group whose value is out of range (so every byte string has one encoding).
 */
export function base45Decode(text: string): Uint8Array | undefined {
  const remainder = text.length % 3;
  if (remainder === 1) return undefined;
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (remainder === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < text.length; i += 3) {
    const c = digit(text, i);
    const d = digit(text, i + 1);
    if (c < 0 || d < 0) return undefined;
    if (i + 2 < text.length) {
      const e = digit(text, i + 2);
      if (e < 0) return undefined;
      const n = c + d * 45 + e * 2025;
      if (n > 0xffff) return undefined;
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = c + d * 45;
      if (n > 0xff) return undefined;
      out[o++] = n;
    }
  }
  return out;
}

function digit(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? DECODE_TABLE[code]! : -1;
}
