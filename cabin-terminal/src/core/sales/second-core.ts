/**
 * A second core for a sale's signatures (core process). The sale hands the voucher's Ed25519
 * signature, and a live code's P-256 one, to a worker thread, signs its own record and writes its
 * rows meanwhile, then takes the answer: a sale costs the longer of the two, not their sum
 * (docs/performance.md, charge).
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
import {
  type DeviceVerifier,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  P256_PUBLIC_KEY_BYTES,
  P256_SIGNATURE_BYTES,
  type SignedMessage,
  type Verifier,
} from "@cabinpay/shared";
import { createNodeDeviceVerifier, createNodeVerifier } from "@cabinpay/shared/node";

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
/** Each item: its scheme (u8), message length (u16), signature (64 bytes either way), public key (33 bytes, an Ed25519 key in the first 32), message. */
const ED25519 = 1;
const P256 = 2;
const SIGNATURE_BYTES = 64;
const KEY_FIELD_BYTES = 33;
const ITEM_HEAD_BYTES = 1 + 2 + SIGNATURE_BYTES + KEY_FIELD_BYTES;
/** A taken job not done within this is a stalled worker: the sale checks it here (the worker keeps it until done). */
const TAKEN_WAIT_MS_MAX = 50;
const WORKER_KEYS_MAX = 256;

// Plain JavaScript run by `new Worker(..., { eval: true })`: the same in a source checkout, the
// built terminal and Electron, with no file to resolve. DER prefixes: SPKI for a raw Ed25519 key
// (RFC 8410) and for a compressed P-256 point (OpenSSL checks the point is on the curve).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createPublicKey, verify } = require("node:crypto");
const control = new Int32Array(workerData.control);
const job = new Uint8Array(workerData.job);
const SPKI_PREFIX = {
  ${ED25519}: Buffer.from("302a300506032b6570032100", "hex"),
  ${P256}: Buffer.from("3039301306072a8648ce3d020106082a8648ce3d030107032200", "hex"),
};
const keys = new Map();
function keyOf(scheme, raw) {
  const id = scheme + Buffer.from(raw).toString("hex");
  let key = keys.get(id);
  if (key === undefined) {
    if (keys.size >= ${WORKER_KEYS_MAX}) keys.clear();
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX[scheme], raw]), format: "der", type: "spki" });
    keys.set(id, key);
  }
  return key;
}
function holds(scheme, message, signature, raw) {
  if (scheme === ${ED25519}) return verify(null, message, keyOf(scheme, raw.subarray(0, ${ED25519_PUBLIC_KEY_BYTES})), signature);
  return verify("sha256", message, { key: keyOf(scheme, raw), dsaEncoding: "ieee-p1363" }, signature);
}
function allHold(count) {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const scheme = job[at];
    const length = (job[at + 1] << 8) | job[at + 2];
    const signature = job.subarray(at + 3, at + ${3 + SIGNATURE_BYTES});
    const key = job.subarray(at + ${3 + SIGNATURE_BYTES}, at + ${ITEM_HEAD_BYTES});
    const message = job.subarray(at + ${ITEM_HEAD_BYTES}, at + ${ITEM_HEAD_BYTES} + length);
    at += ${ITEM_HEAD_BYTES} + length;
    try {
      if (!holds(scheme, message, signature, key)) return false;
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

/** A sale's signatures by scheme: the voucher's Ed25519 one, and a live code's P-256 one. */
export interface Checks {
  readonly ed25519: readonly SignedMessage[];
  readonly p256: readonly SignedMessage[];
}

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

  constructor(private readonly verifiers: { readonly verifier: Verifier; readonly deviceVerifier: DeviceVerifier }) {}

  /** Hands `items` to the worker (started at the first call, which checks here meanwhile). */
  post(items: Checks): PostedChecks {
    const here = { take: () => this.checkHere(items) };
    if (!this.healthy || items.ed25519.length + items.p256.length === 0) return here;
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

  /** Whether the job fits and each item has its scheme's sizes: what does not is checked here. */
  private write(items: Checks): boolean {
    const all = [
      ...items.ed25519.map((item) => ({
        scheme: ED25519,
        keyBytes: ED25519_PUBLIC_KEY_BYTES,
        signatureBytes: ED25519_SIGNATURE_BYTES,
        item,
      })),
      ...items.p256.map((item) => ({ scheme: P256, keyBytes: P256_PUBLIC_KEY_BYTES, signatureBytes: P256_SIGNATURE_BYTES, item })),
    ];
    let at = 0;
    for (const { scheme, keyBytes, signatureBytes, item } of all) {
      const { signature, message, publicKey } = item;
      const fits = at + ITEM_HEAD_BYTES + message.length <= JOB_BYTES_MAX && message.length <= 0xffff;
      if (!fits || signature.length !== signatureBytes || signature.length !== SIGNATURE_BYTES || publicKey.length !== keyBytes)
        return false;
      this.job[at] = scheme;
      this.job[at + 1] = message.length >> 8;
      this.job[at + 2] = message.length & 0xff;
      this.job.set(signature, at + 3);
      this.job.fill(0, at + 3 + SIGNATURE_BYTES, at + ITEM_HEAD_BYTES);
      this.job.set(publicKey, at + 3 + SIGNATURE_BYTES);
      this.job.set(message, at + ITEM_HEAD_BYTES);
      at += ITEM_HEAD_BYTES + message.length;
    }
    this.control[COUNT] = all.length;
    return true;
  }

  private take(job: number, items: Checks): boolean {
    if (this.control[JOB] !== job) return this.checkHere(items);
    // Not started yet: the worker is still waking. Taking it back is cheaper than waiting.
    if (Atomics.compareExchange(this.control, 0, POSTED, IDLE) === POSTED) return this.checkHere(items);
    const deadlineMs = performance.now() + TAKEN_WAIT_MS_MAX;
    // Started: it is at most one verification from done, less than a sleep and a wake would cost.
    while (Atomics.load(this.control, 0) === TAKEN) if (performance.now() > deadlineMs) return this.checkHere(items);
    const holds = this.control[HOLDS] === 1;
    Atomics.store(this.control, 0, IDLE);
    this.answered.byWorker += 1;
    return holds;
  }

  private checkHere(items: Checks): boolean {
    this.answered.here += 1;
    const { verifier, deviceVerifier } = this.verifiers;
    return (
      items.ed25519.every(({ signature, message, publicKey }) => verifier.verify(signature, message, publicKey)) &&
      items.p256.every(({ signature, message, publicKey }) => deviceVerifier.verify(signature, message, publicKey))
    );
  }

  private start(): void {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { control: this.control.buffer, job: this.job.buffer } });
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
export const secondCore = new SecondCore({ verifier: createNodeVerifier(), deviceVerifier: createNodeDeviceVerifier() });
