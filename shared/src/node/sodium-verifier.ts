/**
 * Ed25519 verification through libsodium (sodium-native), Node only: 1.7× node:crypto's speed on
 * the ground's 2-core machines (44–47 µs against 77–78 µs a signature), and many at once on
 * worker threads, one per core. The answer is always the native verifier's (`createNodeVerifier`):
 * libsodium refuses more than OpenSSL (small-order and non-canonical points), never less, so a
 * signature libsodium refuses is asked of node:crypto before it is called bad. Refusals are
 * forgeries or damage, rare: the second opinion costs nothing in the common case.
 *
 * Where libsodium cannot be loaded (a platform without its prebuilt binary), this is the native
 * verifier itself: slower, never wrong; its `name` says which one runs.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, type ParallelVerifier, type SignedMessage } from "../crypto/ed25519.js";
import { createNodeVerifier } from "./crypto.js";
import { sodiumOf } from "./sodium.js";

/** Each item of a job: message length (u32), signature, public key, message. */
const ITEM_HEAD_BYTES = 4 + ED25519_SIGNATURE_BYTES + ED25519_PUBLIC_KEY_BYTES;
/** Larger lists are cut into jobs of this many, spread over the workers. */
const JOB_ITEMS_MAX = 256;
/** One worker per core, up to this many: the ground's machines have two. */
const WORKERS_MAX = 4;

// Plain JavaScript run by `new Worker(..., { eval: true })`: the same in a source checkout and a
// build, with no file of ours to resolve; libsodium is required by the path the caller resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const sodium = require(workerData.sodiumPath);
parentPort.on("message", ({ id, buffer, count }) => {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const failed = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(at);
    const signature = bytes.subarray(at + 4, at + ${4 + ED25519_SIGNATURE_BYTES});
    const key = bytes.subarray(at + ${4 + ED25519_SIGNATURE_BYTES}, at + ${ITEM_HEAD_BYTES});
    const message = bytes.subarray(at + ${ITEM_HEAD_BYTES}, at + ${ITEM_HEAD_BYTES} + length);
    at += ${ITEM_HEAD_BYTES} + length;
    let holds = false;
    try {
      holds = sodium.crypto_sign_verify_detached(signature, message, key);
    } catch {}
    if (!holds) failed.push(i);
  }
  parentPort.postMessage({ id, failed });
});
`;

let sharedPool: SodiumPool | undefined;

/**
 * The fastest verifier this process has, with node:crypto's answers. Every one shares one pool of
 * workers (one per core, started at the first `verifyAll`) unless given its own.
 */
export function createSodiumVerifier(options: { readonly pool?: SodiumPool } = {}): ParallelVerifier {
  const native = createNodeVerifier();
  const sodium = sodiumOf()?.sodium;
  if (sodium === undefined) return native;
  const verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) =>
    signature.length === ED25519_SIGNATURE_BYTES && publicKey.length === ED25519_PUBLIC_KEY_BYTES
      ? sodium.crypto_sign_verify_detached(signature, message, publicKey) || native.verify(signature, message, publicKey)
      : false;
  sharedPool ??= new SodiumPool();
  const pool = options.pool ?? sharedPool;
  return {
    name: "libsodium",
    verify,
    verifyAll(items) {
      if (items.some((i) => i.signature.length !== ED25519_SIGNATURE_BYTES || i.publicKey.length !== ED25519_PUBLIC_KEY_BYTES))
        return Promise.resolve(false);
      const jobs: Promise<boolean>[] = [];
      for (let at = 0; at < items.length; at += JOB_ITEMS_MAX)
        jobs.push(pool.run(items.slice(at, at + JOB_ITEMS_MAX), native.verify, verify));
      return Promise.all(jobs).then((answers) => answers.every(Boolean));
    },
  };
}

type VerifyOne = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

interface Job {
  readonly items: readonly SignedMessage[];
  /** The second opinion on what libsodium refused. */
  readonly confirm: VerifyOne;
  /** The whole check on this thread, should the worker be lost. */
  readonly here: VerifyOne;
  readonly resolve: (holds: boolean) => void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly jobs: Map<number, Job>;
  /** Signatures sent and not yet answered: the next job goes to the worker with fewest. */
  waiting: number;
}

/**
 * Worker threads running libsodium. A job is one packed buffer, moved (not copied) to the worker;
 * the worker answers which items failed. A worker lost answers nothing more: its jobs are checked
 * on this thread and it is not asked again; with none left (or the pool closed), every job is.
 */
export class SodiumPool {
  private readonly workers: PoolWorker[] = [];
  private started = false;
  private nextJobId = 0;
  /** Who answered each job: what a test or a support log asks. */
  readonly answered = { byWorkers: 0, here: 0 };

  constructor(private readonly size = Math.min(WORKERS_MAX, availableParallelism())) {}

  run(items: readonly SignedMessage[], confirm: VerifyOne, here: VerifyOne): Promise<boolean> {
    if (!this.started) this.start();
    const chosen = this.workers.reduce<PoolWorker | undefined>(
      (best, w) => (best === undefined || w.waiting < best.waiting ? w : best),
      undefined,
    );
    if (chosen === undefined) return Promise.resolve(this.checkHere({ items, confirm, here, resolve: () => {} }));
    const id = this.nextJobId++;
    const buffer = pack(items);
    return new Promise<boolean>((resolve) => {
      if (chosen.jobs.size === 0) chosen.worker.ref();
      chosen.jobs.set(id, { items, confirm, here, resolve });
      chosen.waiting += items.length;
      chosen.worker.postMessage({ id, buffer, count: items.length }, [buffer]);
    });
  }

  /** Ends the workers: jobs they held, and every job after, are checked on the calling thread. */
  async close(): Promise<void> {
    this.started = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private start(): void {
    this.started = true;
    const sodiumPath = sodiumOf()?.path;
    if (sodiumPath === undefined) return;
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sodiumPath } });
      const member: PoolWorker = { worker, jobs: new Map(), waiting: 0 };
      worker.on("message", (answer: { id: number; failed: number[] }) => this.answer(member, answer));
      const lost = () => this.lose(member);
      worker.on("error", lost).on("exit", lost).unref();
      this.workers.push(member);
    }
  }

  private answer(member: PoolWorker, { id, failed }: { id: number; failed: number[] }): void {
    const job = member.jobs.get(id);
    if (job === undefined) return;
    member.jobs.delete(id);
    member.waiting -= job.items.length;
    if (member.jobs.size === 0) member.worker.unref();
    this.answered.byWorkers += 1;
    job.resolve(failed.every((i) => job.confirm(job.items[i]!.signature, job.items[i]!.message, job.items[i]!.publicKey)));
  }

  private lose(member: PoolWorker): void {
    const at = this.workers.indexOf(member);
    if (at === -1) return;
    this.workers.splice(at, 1);
    for (const job of member.jobs.values()) job.resolve(this.checkHere(job));
    member.jobs.clear();
    void member.worker.terminate();
  }

  private checkHere(job: Job): boolean {
    this.answered.here += 1;
    return job.items.every((i) => job.here(i.signature, i.message, i.publicKey));
  }
}

function pack(items: readonly SignedMessage[]): ArrayBuffer {
  let length = 0;
  for (const item of items) length += ITEM_HEAD_BYTES + item.message.length;
  const buffer = new ArrayBuffer(length);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  let at = 0;
  for (const { signature, message, publicKey } of items) {
    view.setUint32(at, message.length);
    bytes.set(signature, at + 4);
    bytes.set(publicKey, at + 4 + ED25519_SIGNATURE_BYTES);
    bytes.set(message, at + ITEM_HEAD_BYTES);
    at += ITEM_HEAD_BYTES + message.length;
  }
  return buffer;
}
