/**
 * Admission control for expensive requests (batch uploads), in two stages:
 *
 * 1. `enter`, before the request's body is read: at most `concurrencyMax + queueMax` requests are
 *    inside (reading their body, waiting for their turn, or worked on); up to `lineMax` more wait
 *    in line outside, holding nothing but their connection (the body stays in the network's
 *    buffers). A newcomer who would wait longer than `queueWaitMsMax` in all, as far as the mean
 *    run time tells, or who finds the line full, is told at once to come back (503 `busy`, with when).
 * 2. `run`, once the body is read and checked: at most `concurrencyMax` are worked on at once.
 *
 * Both stages are first come first served. Why: in a fleet landing burst every terminal uploads in
 * the same minutes. Measured before this existed (docs/performance.md), 400 terminals on one API
 * waited 25 s (p50) to 36 s (p99) for their answer, past the terminal's 15 s timeout, and re-sent
 * work already done. With a line of bodies only (the first stage came later), each terminal turned
 * away sent its whole batch again every second or two: 2,500 batches of 120 kB sent for nothing
 * in a 400-terminal burst, a sixth of the CPU the burst cost (the terminals' and the API's).
 */
import { performance } from "node:perf_hooks";
import { ApiError } from "../errors.js";

export interface AdmissionLimits {
  /** Requests worked on at once. */
  readonly concurrencyMax: number;
  /** Requests beyond those that may be inside: reading their body or holding it until their turn. */
  readonly queueMax: number;
  /** Requests that may wait outside, before their body is read. */
  readonly lineMax: number;
  /** A newcomer is turned away when it would wait longer than this (from the mean run time). */
  readonly queueWaitMsMax: number;
}

/** A request's place. `admitted` settles when it may read its body; `release` once it is answered or gone. */
export interface Ticket {
  readonly admitted: Promise<void>;
  release(): void;
}

const RETRY_AFTER_MIN_MS = 250;
const RETRY_AFTER_MAX_MS = 30_000;

interface Waiter {
  admit(): void;
  goneAway(): void;
}

export class Admission {
  /** Admitted and not yet released. */
  private inside = 0;
  private readonly line: Waiter[] = [];
  private running = 0;
  private readonly turns: (() => void)[] = [];
  /** A moving mean of how long one request's work takes, to say when to come back. */
  private meanRunMs = 200;

  constructor(private readonly limits: AdmissionLimits) {
    if (!(limits.concurrencyMax >= 1 && limits.queueMax >= 0 && limits.lineMax >= 0 && limits.queueWaitMsMax >= 0))
      throw new RangeError("admission needs concurrencyMax ≥ 1 and queueMax, lineMax, queueWaitMsMax ≥ 0");
  }

  /** The answer for a newcomer who cannot be taken now, or undefined. */
  private refusal(): ApiError | undefined {
    const ahead = this.inside + this.line.length;
    if (ahead < this.limits.concurrencyMax) return undefined;
    const waitMs = ((ahead - this.limits.concurrencyMax + 1) / this.limits.concurrencyMax) * this.meanRunMs;
    const room = ahead < this.insideMax() || this.line.length < this.limits.lineMax;
    if (room && waitMs <= this.limits.queueWaitMsMax) return undefined;
    return new ApiError("busy", "the ground is taking many uploads at once: try again after retryAfterMs", {
      retryAfterMs: this.retryAfterMs(),
    });
  }

  /** Takes a place, before the body is read; throws `busy` when there is none to take. */
  enter(): Ticket {
    const refused = this.refusal();
    if (refused !== undefined) throw refused;
    let released = false;
    let waiter: Waiter | undefined;
    const admitted = new Promise<void>((resolve, reject) => {
      if (this.inside < this.insideMax() && this.line.length === 0) {
        this.inside += 1;
        resolve();
        return;
      }
      waiter = { admit: resolve, goneAway: () => reject(new ApiError("busy", "the request went away while it waited in line")) };
      this.line.push(waiter);
    });
    admitted.catch(() => {}); // a request that went away is answered by nobody
    const release = () => {
      if (released) return;
      released = true;
      const at = waiter === undefined ? -1 : this.line.indexOf(waiter);
      if (at >= 0) {
        this.line.splice(at, 1);
        waiter!.goneAway();
        return;
      }
      this.inside -= 1;
      this.admitNext();
    };
    return { admitted, release };
  }

  /** Works on an admitted request, at most `concurrencyMax` at once, in order of arrival. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limits.concurrencyMax) this.running += 1;
    else await new Promise<void>((resolve) => this.turns.push(resolve));
    const startedMs = performance.now();
    try {
      return await work();
    } finally {
      this.meanRunMs = 0.8 * this.meanRunMs + 0.2 * (performance.now() - startedMs);
      // The turn passes straight to the next, so a newcomer cannot take it in between.
      const next = this.turns.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }

  private insideMax(): number {
    return this.limits.concurrencyMax + this.limits.queueMax;
  }

  private admitNext(): void {
    while (this.inside < this.insideMax() && this.line.length > 0) {
      this.inside += 1;
      this.line.shift()!.admit();
    }
  }

  /**
   * About when the requests ahead will be half done, from their count and the mean run time.
   * Half, not all: callers come back spread over half as long again (their jitter), and the line
   * should still hold work when they do, or the ground idles while they wait (measured: coming
   * back when the line had drained took the 120,000-record burst 55 s instead of 37).
   */
  private retryAfterMs(): number {
    const drainMs = ((this.inside + this.line.length) / this.limits.concurrencyMax) * this.meanRunMs;
    return Math.round(Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, drainMs / 2)));
  }
}
