/**
 * Admission control for expensive requests (batch uploads). At most `concurrencyMax` run at once
 * and at most `queueMax` wait, first come first served, each for no longer than `queueWaitMsMax`
 * as far as the mean run time tells. Beyond that the caller is told at once to come back (503
 * `busy`, with when) instead of waiting in a queue past its own timeout.
 *
 * Why: in a fleet landing burst every terminal uploads in the same minutes. Measured before this
 * existed (docs/performance.md), 400 terminals on one API waited 25 s (p50) to 36 s (p99) for their
 * answer, past the terminal's 15 s timeout. They would time out, re-send work already done, and
 * give up after their retries.
 */
import { performance } from "node:perf_hooks";
import { ApiError } from "../errors.js";

export interface AdmissionLimits {
  readonly concurrencyMax: number;
  readonly queueMax: number;
  /** A newcomer is turned away when it would wait longer than this (from the mean run time). */
  readonly queueWaitMsMax: number;
}

const RETRY_AFTER_MIN_MS = 250;
const RETRY_AFTER_MAX_MS = 30_000;

export class Admission {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** A moving mean of how long one admitted request takes, to say when to come back. */
  private meanRunMs = 200;

  constructor(private readonly limits: AdmissionLimits) {
    if (!(limits.concurrencyMax >= 1 && limits.queueMax >= 0 && limits.queueWaitMsMax >= 0))
      throw new RangeError("admission needs concurrencyMax ≥ 1, queueMax ≥ 0 and queueWaitMsMax ≥ 0");
  }

  /**
   * The answer for a newcomer who cannot be taken now (the line is full, or it would wait too
   * long), or undefined. Cheap, so a route can ask before it reads and verifies the request.
   */
  refusal(): ApiError | undefined {
    if (this.active < this.limits.concurrencyMax) return undefined;
    const waitMs = ((this.waiting.length + 1) / this.limits.concurrencyMax) * this.meanRunMs;
    if (this.waiting.length < this.limits.queueMax && waitMs <= this.limits.queueWaitMsMax) return undefined;
    return new ApiError("busy", "the ground is taking many uploads at once: try again after retryAfterMs", {
      retryAfterMs: this.retryAfterMs(),
    });
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const refused = this.refusal();
    if (refused !== undefined) throw refused;
    if (this.active < this.limits.concurrencyMax) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    const startedMs = performance.now();
    try {
      return await work();
    } finally {
      this.meanRunMs = 0.8 * this.meanRunMs + 0.2 * (performance.now() - startedMs);
      // The slot passes straight to the next in line, so a newcomer cannot take it in between.
      const next = this.waiting.shift();
      if (next === undefined) this.active -= 1;
      else next();
    }
  }

  /**
   * About when the line ahead will be half gone, from the requests ahead and their mean run time.
   * Half, not all: callers come back spread over half as long again (their jitter), and the line
   * should still hold work when they do, or the ground idles while they wait (measured: coming
   * back when the line had drained took the 120,000-record burst 55 s instead of 37).
   */
  private retryAfterMs(): number {
    const drainMs = ((this.active + this.waiting.length) / this.limits.concurrencyMax) * this.meanRunMs;
    return Math.round(Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, drainMs / 2)));
  }
}
