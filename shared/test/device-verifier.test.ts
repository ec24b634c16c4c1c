/**
 * The native device verifier (node:crypto) answers exactly as the portable one (@noble/curves) on
 * phones' P-256 signatures: genuine ones, high-S ones (WebCrypto does not normalize s), any single
 * byte changed in the signature, the message or the key, and keys that are not points.
 */
import { p256 } from "@noble/curves/nist.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nobleDeviceVerifier } from "../src/crypto/p256.js";
import { createNodeDeviceVerifier } from "../src/node/device-crypto.js";

const native = createNodeDeviceVerifier();
const ORDER = p256.Point.CURVE().n;

/** The same signature with s replaced by n − s: valid for ECDSA, "high-S" when s was low. */
function flipS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString("hex")}`);
  const flipped = Buffer.from((ORDER - s).toString(16).padStart(64, "0"), "hex");
  return Uint8Array.from([...signature.subarray(0, 32), ...flipped]);
}

describe("the native device verifier", () => {
  it("agrees with the portable one on genuine, high-S and altered signatures, messages and keys", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (message, at, delta) => {
        const secretKey = p256.utils.randomSecretKey();
        const publicKey = p256.getPublicKey(secretKey, true);
        const signature = p256.sign(message, secretKey);
        const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
          [signature, message, publicKey],
          [flipS(signature), message, publicKey],
        ];
        for (const target of [0, 1, 2] as const) {
          const parts = [signature, message, publicKey].map((bytes) => bytes.slice());
          const changed = parts[target]!;
          changed[at % changed.length] = (changed[at % changed.length]! + delta) % 256;
          cases.push(parts as [Uint8Array, Uint8Array, Uint8Array]);
        }
        for (const [sig, msg, key] of cases) expect(native.verify(sig, msg, key)).toBe(nobleDeviceVerifier.verify(sig, msg, key));
        expect(native.verify(signature, message, publicKey)).toBe(true);
        expect(native.verify(flipS(signature), message, publicKey)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("refuses wrong lengths and a key that is not a point, without throwing", () => {
    const secretKey = p256.utils.randomSecretKey();
    const publicKey = p256.getPublicKey(secretKey, true);
    const message = new Uint8Array([1, 2, 3]);
    const signature = p256.sign(message, secretKey);
    expect(native.verify(signature.subarray(1), message, publicKey)).toBe(false);
    expect(native.verify(signature, message, publicKey.subarray(1))).toBe(false);
    expect(native.verify(signature, message, new Uint8Array(33).fill(0x02))).toBe(false);
    expect(native.verify(new Uint8Array(64), message, publicKey)).toBe(false);
  });
});
