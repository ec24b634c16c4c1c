/**
 * The raw limits the benchmarks' figures are set beside, measured in the same run on the same
 * machine: what one native Ed25519 verification costs, and how fast BullMQ drains jobs that do
 * nothing on the same Redis.
 */
import { performance } from "node:perf_hooks";
import { concatBytes, generateSecretKey, SIGNATURE_DOMAIN } from "@cabinpay/shared";
import { createNodeSigner, createNodeVerifier } from "@cabinpay/shared/node";
import { Queue, Worker } from "bullmq";

/** Native (node:crypto) Ed25519 verifications per second on one core, over `count` of them. */
export function nativeVerifyRate(count: number): number {
  const verifier = createNodeVerifier();
  const signer = createNodeSigner(generateSecretKey());
  const message = concatBytes(SIGNATURE_DOMAIN.record, new Uint8Array(32));
  const signature = signer.sign(message);
  for (let i = 0; i < 100; i++) verifier.verify(signature, message, signer.publicKey); // warm-up
  const start = performance.now();
  for (let i = 0; i < count; i++) verifier.verify(signature, message, signer.publicKey);
  return (count * 1000) / (performance.now() - start);
}

/** Jobs per second a BullMQ worker drains when the job does nothing: the queue's own limit. */
export async function emptyJobRate(redisUrl: string, name: string, concurrency: number, jobs: number): Promise<number> {
  const connection = { url: redisUrl, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  for (let i = 0; i < jobs; i += 1_000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1_000, jobs - i) }, (_, j) => ({
        name: "empty",
        data: {},
        opts: { jobId: `empty-${i + j}`, removeOnComplete: true },
      })),
    );
  }
  let done = 0;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const start = performance.now();
  const worker = new Worker(
    name,
    async () => {
      done += 1;
      if (done === jobs) allDone();
    },
    { connection, concurrency },
  );
  await finished;
  const elapsedMs = performance.now() - start;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return (jobs * 1000) / elapsedMs;
}
