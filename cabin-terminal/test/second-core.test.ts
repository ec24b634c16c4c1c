/**
 * The second core a sale's voucher signature is checked on (`core/sales/second-core.ts`): a real
 * worker thread and shared memory. Every answer is the one node:crypto gives on this thread,
 * whoever gave it; a job the worker has not started is taken back; a dead worker is not asked.
 */
import { createNobleSigner, createPortableDeviceSigner, generateSecretKey, type SignedMessage } from "@cabinpay/shared";
import { createNodeDeviceVerifier, createNodeVerifier } from "@cabinpay/shared/node";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { type Checks, JOB_BYTES_MAX, SecondCore } from "../src/core/sales/second-core.js";

const verifier = createNodeVerifier();
const deviceVerifier = createNodeDeviceVerifier();
const verifiers = { verifier, deviceVerifier };
const phone = createPortableDeviceSigner();
const phoneSigned = async (message: Uint8Array): Promise<SignedMessage> => ({
  message,
  signature: await phone.sign(message),
  publicKey: phone.publicKey,
});
/** What node:crypto says on this thread, signature by signature. */
const expectedOf = (checks: Checks) =>
  checks.ed25519.every((item) => verifier.verify(item.signature, item.message, item.publicKey)) &&
  checks.p256.every((item) => deviceVerifier.verify(item.signature, item.message, item.publicKey));
const ed25519Only = (...items: SignedMessage[]): Checks => ({ ed25519: items, p256: [] });
const signer = createNobleSigner(generateSecretKey());
const signed = (message: Uint8Array): SignedMessage => ({ message, signature: signer.sign(message), publicKey: signer.publicKey });
const flipped = (item: SignedMessage, at: number): SignedMessage => {
  const signature = item.signature.slice();
  signature[at % signature.length]! ^= 1;
  return { ...item, signature };
};
/** Long enough for a sleeping worker to wake and finish: the job is then the worker's, not taken back. */
const workerTime = () => new Promise((resolve) => setTimeout(resolve, 20));

const cores: SecondCore[] = [];
async function startedCore(): Promise<SecondCore> {
  const core = new SecondCore(verifiers);
  cores.push(core);
  await core.started();
  return core;
}

afterEach(async () => {
  await Promise.all(cores.splice(0).map((core) => core.close()));
});

describe("the second core", () => {
  it("answers as node:crypto does, for good and altered signatures of both schemes, from the worker once it runs", async () => {
    const core = await startedCore();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 0, maxLength: 2 }),
        fc.array(fc.uint8Array({ maxLength: 400 }), { minLength: 0, maxLength: 2 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (edMessages, phoneMessages, alterAt) => {
          const items = [...edMessages.map((message) => ({ scheme: "ed25519", item: signed(message) }))];
          for (const message of phoneMessages) items.push({ scheme: "p256", item: await phoneSigned(message) });
          if (items.length === 0) return;
          if (alterAt !== undefined) {
            const at = alterAt % items.length;
            items[at] = { ...items[at]!, item: flipped(items[at]!.item, alterAt) };
          }
          const checks = {
            ed25519: items.filter((i) => i.scheme === "ed25519").map((i) => i.item),
            p256: items.filter((i) => i.scheme === "p256").map((i) => i.item),
          };
          const posted = core.post(checks);
          await workerTime();
          expect(posted.take()).toBe(expectedOf(checks));
          expect(expectedOf(checks)).toBe(alterAt === undefined);
        },
      ),
      { numRuns: 40 },
    );
    expect(core.answered.here).toBe(0);
    expect(core.answered.byWorker).toBeGreaterThan(30);
  });

  it("refuses a phone key that is not on the curve, as node:crypto does", async () => {
    const core = await startedCore();
    const good = await phoneSigned(new Uint8Array([9, 9, 9]));
    const offCurve = { ...good, publicKey: Uint8Array.of(0x02, ...new Uint8Array(32).fill(0xff)) };
    const posted = core.post({ ed25519: [], p256: [offCurve] });
    await workerTime();
    expect(posted.take()).toBe(false);
    expect(deviceVerifier.verify(offCurve.signature, offCurve.message, offCurve.publicKey)).toBe(false);
    expect(core.answered.byWorker).toBe(1);
  });

  it("takes back a job the worker has not started, and gives the same answer", async () => {
    const core = await startedCore();
    const good = signed(new Uint8Array(300).fill(7));
    // Taken at once: the worker is still waking, so the job is checked here.
    let here = 0;
    for (let i = 0; i < 20; i++) {
      const before = core.answered.here;
      expect(core.post(ed25519Only(good)).take()).toBe(true);
      expect(core.post(ed25519Only(flipped(good, i))).take()).toBe(false);
      here += core.answered.here - before;
    }
    expect(here + core.answered.byWorker).toBe(40);
  });

  it("withdraws a job nobody took, answers each job once, and never hands one sale another's answer", async () => {
    const core = await startedCore();
    const good = signed(new Uint8Array([1, 2, 3]));
    const bad = flipped(good, 5);
    const forgotten = core.post(ed25519Only(bad));
    await workerTime();
    const next = core.post(ed25519Only(good));
    await workerTime();
    expect(next.take()).toBe(true);
    expect(next.take()).toBe(true);
    // The forgotten job's answer was withdrawn: asked late, it is checked again here, still false.
    expect(forgotten.take()).toBe(false);
  });

  it("checks here what does not fit the shared job, and what is not an Ed25519 signature", async () => {
    const core = await startedCore();
    const large = signed(new Uint8Array(JOB_BYTES_MAX));
    expect(core.post(ed25519Only(large)).take()).toBe(true);
    expect(core.post(ed25519Only({ ...large, signature: large.signature.subarray(1) })).take()).toBe(false);
    expect(core.answered).toEqual({ byWorker: 0, here: 2 });
  });

  it("stops asking a worker that died, and still answers", async () => {
    const core = new SecondCore(verifiers);
    await core.started();
    await core.close();
    const good = signed(new Uint8Array(64));
    const posted = core.post(ed25519Only(good));
    await workerTime();
    expect(posted.take()).toBe(true);
    expect(core.post(ed25519Only(flipped(good, 1))).take()).toBe(false);
    expect(core.answered).toEqual({ byWorker: 0, here: 2 });
  });
});
