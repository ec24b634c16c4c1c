/**
 * Every Ed25519 verifier the product runs gives the same answer, on odd signatures too: the
 * portable one (browsers), node:crypto (the terminal, single checks), libsodium (the ground's
 * batches on worker threads) and the terminal's second core (a sale's voucher, libsodium on a
 * worker, its refusals confirmed by node:crypto). What the terminal accepted in the air, the
 * ground accepts after landing (docs/protocol.md, "Keys, signatures, hashes").
 */
import { SecondCore } from "@cabinpay/cabin-terminal/internal/core/sales/second-core";
import { createNobleSigner, generateSecretKey, nobleVerifier, type SignedMessage } from "@cabinpay/shared";
import { createNodeVerifier, createSodiumVerifier, SodiumPool } from "@cabinpay/shared/node";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const { Point } = ed25519;
const L = Point.Fn.ORDER;
/** A point of order 8 (RFC 7748's list of small-order points). */
const TORSION = Point.fromBytes(Uint8Array.from(Buffer.from("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", "hex")));
const littleEndian = (bytes: Uint8Array) => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
const withS = (r: Uint8Array, s: bigint) => {
  const signature = new Uint8Array(64);
  signature.set(r);
  for (let i = 0, v = s; i < 32; i++, v >>= 8n) signature[32 + i] = Number(v & 0xffn);
  return signature;
};

/**
 * A key with a torsion part (A = aB + T) signing with R of small order, chosen so that the
 * cofactorless equation holds: OpenSSL and noble accept it, libsodium refuses it. Only the key's
 * owner can make one; it forges nothing.
 */
function smallOrderR(): SignedMessage {
  const a = 0x1234567890abcdefn;
  const publicKey = Point.BASE.multiply(a).add(TORSION).toBytes();
  for (let n = 0; ; n++) {
    const message = new TextEncoder().encode(`small-order R ${n}`);
    for (let k = 0n; k < 8n; k++) {
      const R = k === 0n ? Point.ZERO : TORSION.multiply(k);
      const h = littleEndian(sha512(Uint8Array.of(...R.toBytes(), ...publicKey, ...message))) % L;
      if ((k + h) % 8n === 0n) return { publicKey, message, signature: withS(R.toBytes(), (h * a) % L) };
    }
  }
}

const genuineSigner = createNobleSigner(generateSecretKey());
const genuineMessage = new TextEncoder().encode("CabinPay record");
const genuine: SignedMessage = {
  message: genuineMessage,
  signature: genuineSigner.sign(genuineMessage),
  publicKey: genuineSigner.publicKey,
};
const identity = Point.ZERO.toBytes();
const cases: { name: string; item: SignedMessage; holds: boolean }[] = [
  { name: "a genuine signature", item: genuine, holds: true },
  { name: "a small-order R under a key with a torsion part (libsodium alone refuses it)", item: smallOrderR(), holds: true },
  {
    name: "the universal signature under a small-order key (OpenSSL alone accepted it)",
    item: { publicKey: identity, message: genuineMessage, signature: withS(identity, 0n) },
    holds: false,
  },
  {
    name: "a non-canonical S (S + L)",
    item: { ...genuine, signature: withS(genuine.signature.subarray(0, 32), littleEndian(genuine.signature.subarray(32)) + L) },
    holds: false,
  },
];

describe("every verifier gives the same answer", () => {
  const pool = new SodiumPool(1);
  const sodium = createSodiumVerifier({ pool });
  const core = new SecondCore(createNodeVerifier());
  beforeAll(() => core.started(), 30_000);
  afterAll(async () => {
    await pool.close();
    await core.close();
  });

  for (const { name, item, holds } of cases)
    it(`on ${name}: ${holds ? "holds" : "refused"}`, async () => {
      const { signature, message, publicKey } = item;
      expect(nobleVerifier.verify(signature, message, publicKey)).toBe(holds);
      expect(createNodeVerifier().verify(signature, message, publicKey)).toBe(holds);
      expect(sodium.verify(signature, message, publicKey)).toBe(holds);
      expect(await sodium.verifyAll([genuine, item, genuine])).toBe(holds);
      const posted = core.post([item]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(posted.take()).toBe(holds);
    });

  it("the second core's answers above came from its worker, not taken back", () => {
    expect(core.answered).toEqual({ byWorker: cases.length, here: 0 });
  });
});
