import {
  createNobleSigner,
  createPortableDeviceSigner,
  isDevicePublicKey,
  isUnusablePublicKey,
  keyIdOf,
  nobleVerifier,
  type Verifier,
} from "@cabinpay/shared";
import { createNodeSigner, createNodeVerifier, createSodiumVerifier, SodiumPool } from "@cabinpay/shared/node";
import { p256 } from "@noble/curves/nist.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seedKey } from "./support/fixtures.js";

const nodeVerifier = createNodeVerifier();
const sodiumVerifier = createSodiumVerifier();
const verifiers: Verifier[] = [nobleVerifier, nodeVerifier, sodiumVerifier];
const message = new TextEncoder().encode("CabinPay");

describe("Ed25519 signers and verifiers", () => {
  const secret = seedKey("crypto");
  const noble = createNobleSigner(secret);
  const native = createNodeSigner(secret);

  it("sign identically in noble and the native signer (libsodium where it loads; RFC 8032 is deterministic)", () => {
    expect(native.publicKey).toEqual(noble.publicKey);
    expect(native.keyId).toBe(noble.keyId);
    expect(native.sign(message)).toEqual(noble.sign(message));
  });

  it("agree with the RFC 8032 test vector 1", () => {
    const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g)!, (h) => Number.parseInt(h, 16));
    const signer = createNobleSigner(fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    expect(signer.publicKey).toEqual(fromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    const signature = signer.sign(new Uint8Array(0));
    expect(signature).toEqual(
      fromHex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
      ),
    );
    for (const verifier of verifiers) expect(verifier.verify(signature, new Uint8Array(0), signer.publicKey)).toBe(true);
  });

  it("libsodium is loaded here (the ground's fast verifier is not silently node:crypto)", () => {
    expect(sodiumVerifier.name).toBe("libsodium");
  });

  it("all refuse a small-order key's universal signature (R the identity, S zero: it holds for every message)", () => {
    // OpenSSL accepted it before the native verifier asked `isUnusablePublicKey`.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const universal = new Uint8Array(64);
    universal[0] = 1;
    for (const verifier of verifiers) expect(verifier.verify(universal, message, identity)).toBe(false);
    expect(isUnusablePublicKey(identity)).toBe(true);
    expect(isUnusablePublicKey(noble.publicKey)).toBe(false);
  });

  it("key ids are the first 8 bytes of SHA-256 of the public key", () => {
    expect(noble.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(noble.publicKey)).toBe(noble.keyId);
  });

  it("both verifiers give the same answer for any mutation of signature, message or key", () => {
    const signature = noble.sign(message);
    fc.assert(
      fc.property(fc.constantFrom("signature", "message", "key"), fc.nat(), fc.integer({ min: 1, max: 255 }), (part, at, xor) => {
        const sig = signature.slice();
        const msg = message.slice();
        const key = noble.publicKey.slice();
        const target = part === "signature" ? sig : part === "message" ? msg : key;
        target[at % target.length]! ^= xor;
        const answers = verifiers.map((v) => v.verify(sig, msg, key));
        expect(answers).toEqual([false, false, false]);
      }),
      { numRuns: 300 },
    );
  });

  it("both verifiers refuse garbage of any length without throwing", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 40 }), (sig, key) => {
        for (const verifier of verifiers) expect(verifier.verify(sig, message, key)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("both refuse a non-canonical S (S + L), which ZIP-215 would accept", () => {
    const signature = noble.sign(message);
    // S is little-endian in bytes 32..63; adding the group order L gives the same point arithmetic.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
    const sPlusL = s + L;
    const malleable = signature.slice();
    for (let i = 32, v = sPlusL; i < 64; i++, v >>= 8n) malleable[i] = Number(v & 0xffn);
    expect(sPlusL < 2n ** 256n).toBe(true);
    for (const verifier of verifiers) expect(verifier.verify(malleable, message, noble.publicKey)).toBe(false);
  });
});

describe("libsodium's verifier across worker threads", () => {
  const signer = createNobleSigner(seedKey("sodium pool"));
  const items = Array.from({ length: 1_000 }, (_, i) => {
    const signed = new TextEncoder().encode(`record ${i}`);
    return { signature: signer.sign(signed), message: signed, publicKey: signer.publicKey };
  });

  it("answers whether every one holds, over jobs spread on the workers", async () => {
    const pool = new SodiumPool(2);
    const verifier = createSodiumVerifier({ pool });
    try {
      expect(await verifier.verifyAll(items)).toBe(true);
      expect(await verifier.verifyAll([])).toBe(true);
      for (const at of [0, 517, 999]) {
        const damaged = items.slice();
        const signature = damaged[at]!.signature.slice();
        signature[10]! ^= 1;
        damaged[at] = { ...damaged[at]!, signature };
        expect(await verifier.verifyAll(damaged)).toBe(false);
      }
      expect(await verifier.verifyAll([...items.slice(0, 5), { ...items[5]!, publicKey: new Uint8Array(31) }])).toBe(false);
      expect(pool.answered.byWorkers).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it("checks here what a lost worker held, and everything after the pool closed", async () => {
    const pool = new SodiumPool(1);
    const verifier = createSodiumVerifier({ pool });
    const damaged = [...items.slice(0, 300), { ...items[300]!, message: new Uint8Array(3) }];
    const held = [verifier.verifyAll(items), verifier.verifyAll(damaged)];
    await pool.close();
    expect(await Promise.all(held)).toEqual([true, false]);
    expect(await verifier.verifyAll(items.slice(0, 10))).toBe(true);
    expect(pool.answered.here).toBeGreaterThan(0);
  });
});

describe("phones' P-256 keys", () => {
  /** The curve's own answer, asked afresh each time. */
  const onCurve = (bytes: Uint8Array) => {
    try {
      p256.Point.fromBytes(bytes).assertValidity();
      return true;
    } catch {
      return false;
    }
  };

  it("are found valid exactly when the point is on the curve, asked once or again (the remembered answers are right)", () => {
    const genuine = createPortableDeviceSigner(seedKey("phone-remembered")).publicKey;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 33, maxLength: 33 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 1, max: 255 }),
        (random, at, flip) => {
          const altered = Uint8Array.from(genuine);
          altered[at] = altered[at]! ^ flip;
          for (const key of [genuine, random, altered, Uint8Array.of(0x02, ...random.subarray(1))]) {
            const expected = key[0] !== 0x02 && key[0] !== 0x03 ? false : onCurve(key);
            expect(isDevicePublicKey(key)).toBe(expected);
            expect(isDevicePublicKey(key)).toBe(expected);
          }
        },
      ),
      { numRuns: 100 },
    );
    expect(isDevicePublicKey(genuine.subarray(0, 32))).toBe(false);
  });
});
