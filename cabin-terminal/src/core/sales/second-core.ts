/**
 * A second core for a sale's voucher signature (core process). The sale hands the Ed25519 checks
 * to a worker thread (libsodium, 1.7× node:crypto's speed), signs its own record and reads the cap and stock meanwhile, then takes the
 * answer: a sale costs the longer of the two, not their sum (docs/performance.md, charge).
 *
 * Shared memory and Atomics, not messages or node:crypto's thread pool: a sale is synchronous
 * (one SQLite transaction), and waking a thread on this class of machine costs about 0.1 ms, as
 * much as the work. So the sale never waits for the wake: if the worker has not taken the job by
 * the time the sale needs the answer, the sale takes it back and checks it here. The worst case
 * is the one-core sale; a worker that dies is no longer asked, one that stalls is not waited for.
 *
 * The worker sleeps between jobs. One that polled for the next sale instead saved the wake (about
 * 25 µs) but made the sale's p99 worse by half: a spinning core slows this machine's disk flushes.
 */
import { Worker } from "node:worker_threads";
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, type SignedMessage, type Verifier } from "@cabinpay/shared";
import { createSodiumVerifier, libsodiumPath } from "@cabinpay/shared/node";

/** control[0]: who holds the job. Only the sale moves IDLE → POSTED and DONE or POSTED → IDLE; only the worker POSTED → TAKEN → DONE. */
const IDLE = 0;
const POSTED = 1;
const TAKEN = 2;
const DONE = 3;
/** control[1]: 1 when every signature held; control[2]: how many items the job has; control[3]: the job's number. */
const HOLDS = 1;
const COUNT = 2;
const JOB = 3;

/** A voucher's signed part is a QR's worth: larger jobs are checked here. */
export const JOB_BYTES_MAX = 8_192;
/** Each item: message length (u16), signature, public key, message. */
const ITEM_HEAD_BYTES = 2 + ED25519_SIGNATURE_BYTES + ED25519_PUBLIC_KEY_BYTES;
/** A taken job not done within this is a stalled worker: the sale checks it here (the worker keeps it until done). */
const TAKEN_WAIT_MS_MAX = 50;

// Plain JavaScript run by `new Worker(..., { eval: true })`: the same in a source checkout, the
// built terminal and Electron, with no file of ours to resolve; libsodium is required by the path
// the sale's thread resolved. libsodium refuses more than node:crypto (small-order points), never
// less: the worker's "all hold" is final, its "not all" is asked again on the sale's thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const sodium = require(workerData.sodiumPath);
const control = new Int32Array(workerData.control);
const job = new Uint8Array(workerData.job);
function allHold(count) {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = (job[at] << 8) | job[at + 1];
    const signature = job.subarray(at + 2, at + ${2 + ED25519_SIGNATURE_BYTES});
    const key = job.subarray(at + ${2 + ED25519_SIGNATURE_BYTES}, at + ${ITEM_HEAD_BYTES});
    const message = job.subarray(at + ${ITEM_HEAD_BYTES}, at + ${ITEM_HEAD_BYTES} + length);
    at += ${ITEM_HEAD_BYTES} + length;
    try {
      if (!sodium.crypto_sign_verify_detached(signature, message, key)) return false;
    } catch {
      return false;
    }
  }
  return true;
}
parentPort.postMessage("ready");
for (;;) {
  const state = Atomics.load(control, 0);
  if (state !== ${POSTED}) {
    Atomics.wait(control, 0, state);
    continue;
  }
  if (Atomics.compareExchange(control, 0, ${POSTED}, ${TAKEN}) !== ${POSTED}) continue;
  control[${HOLDS}] = allHold(control[${COUNT}]) ? 1 : 0;
  Atomics.store(control, 0, ${DONE});
}
`;

export interface PostedChecks {
  /** Whether every signature holds: the worker's answer, or checked here when it had not started. */
  take(): boolean;
}

export class SecondCore {
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  private readonly job = new Uint8Array(new SharedArrayBuffer(JOB_BYTES_MAX));
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private healthy = true;
  /** Who answered each job: what a test or a support log asks. */
  readonly answered = { byWorker: 0, here: 0 };

  constructor(private readonly verifier: Verifier) {}

  /** Hands `items` to the worker (started at the first call, which checks here meanwhile). */
  post(items: readonly SignedMessage[]): PostedChecks {
    const here = { take: () => this.checkHere(items) };
    if (!this.healthy || items.length === 0) return here;
    if (this.worker === undefined) {
      this.start();
      return here;
    }
    // A job a sale never took (it threw before asking) is withdrawn; while the worker still holds one, this one is checked here.
    if (Atomics.compareExchange(this.control, 0, POSTED, IDLE) !== POSTED) Atomics.compareExchange(this.control, 0, DONE, IDLE);
    if (Atomics.load(this.control, 0) !== IDLE || !this.write(items)) return here;
    const job = (this.control[JOB]! + 1) | 0;
    this.control[JOB] = job;
    Atomics.store(this.control, 0, POSTED);
    Atomics.notify(this.control, 0);
    let answer: boolean | undefined;
    return { take: () => (answer ??= this.take(job, items)) };
  }

  /** Resolves once the worker waits for jobs (tests; a sale never waits for it). */
  started(): Promise<void> {
    if (this.worker === undefined) this.start();
    return this.ready!;
  }

  async close(): Promise<void> {
    this.healthy = false;
    await this.worker?.terminate();
  }

  private write(items: readonly SignedMessage[]): boolean {
    let at = 0;
    for (const { signature, message, publicKey } of items) {
      const fits = at + ITEM_HEAD_BYTES + message.length <= JOB_BYTES_MAX && message.length <= 0xffff;
      if (!fits || signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
      this.job[at] = message.length >> 8;
      this.job[at + 1] = message.length & 0xff;
      this.job.set(signature, at + 2);
      this.job.set(publicKey, at + 2 + ED25519_SIGNATURE_BYTES);
      this.job.set(message, at + ITEM_HEAD_BYTES);
      at += ITEM_HEAD_BYTES + message.length;
    }
    this.control[COUNT] = items.length;
    return true;
  }

  private take(job: number, items: readonly SignedMessage[]): boolean {
    if (this.control[JOB] !== job) return this.checkHere(items);
    // Not started yet: the worker is still waking. Taking it back is cheaper than waiting.
    if (Atomics.compareExchange(this.control, 0, POSTED, IDLE) === POSTED) return this.checkHere(items);
    const deadlineMs = performance.now() + TAKEN_WAIT_MS_MAX;
    // Started: it is at most one verification from done, less than a sleep and a wake would cost.
    while (Atomics.load(this.control, 0) === TAKEN) if (performance.now() > deadlineMs) return this.checkHere(items);
    const holds = this.control[HOLDS] === 1;
    Atomics.store(this.control, 0, IDLE);
    this.answered.byWorker += 1;
    return holds || this.confirmed(items);
  }

  private checkHere(items: readonly SignedMessage[]): boolean {
    this.answered.here += 1;
    return this.confirmed(items);
  }

  /** The answer on this thread (a refusal by the worker's libsodium is node:crypto's to confirm). */
  private confirmed(items: readonly SignedMessage[]): boolean {
    return items.every(({ signature, message, publicKey }) => this.verifier.verify(signature, message, publicKey));
  }

  private start(): void {
    const sodiumPath = libsodiumPath();
    if (sodiumPath === undefined) {
      // No libsodium here (a platform without its binary): every sale checks its voucher itself.
      this.healthy = false;
      this.ready = Promise.reject(new Error("libsodium is not available: the second core is not used"));
      this.ready.catch(() => {});
      return;
    }
    const workerData = { control: this.control.buffer, job: this.job.buffer, sodiumPath };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    const lost = () => {
      this.healthy = false;
    };
    this.ready = new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    });
    // Nobody may be waiting for it: a sale never is.
    this.ready.catch(lost);
    worker.on("error", lost).on("exit", lost).unref();
    this.worker = worker;
  }
}

/** One per process: the terminal sells from one thread, one sale at a time. */
export const secondCore = new SecondCore(createSodiumVerifier());
