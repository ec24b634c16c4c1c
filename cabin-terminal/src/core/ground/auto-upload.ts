/**
 * Upload without being asked (core process): while records are unsent, the terminal tries to
 * upload them every `everyMs`, and backs off (doubling, up to `backoffMsMax`) while the ground
 * cannot be reached, so nobody has to remember to press Upload after landing. Crew can still
 * upload by hand; both go through the same one-at-a-time upload.
 */
export interface AutoUploadOptions {
  readonly everyMs: number;
  readonly backoffMsMax: number;
  /** Whether anything waits to be sent (cheap: a count). */
  readonly hasUnsent: () => boolean;
  /** The upload itself, shared with crew's button. */
  readonly upload: () => Promise<unknown>;
  /** After each attempt, so the screen can show what changed. */
  readonly onAttempt?: (outcome: { ok: true } | { ok: false; error: unknown }) => void;
}

export interface AutoUpload {
  stop(): void;
}

export function startAutoUpload(options: AutoUploadOptions): AutoUpload {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let failures = 0;
  const schedule = () => {
    if (stopped) return;
    const delayMs = Math.min(options.everyMs * 2 ** failures, options.backoffMsMax);
    timer = setTimeout(() => void attempt(), delayMs);
    // A waiting upload never keeps the process alive by itself.
    timer.unref?.();
  };
  const attempt = async () => {
    if (options.hasUnsent()) {
      try {
        await options.upload();
        failures = 0;
        options.onAttempt?.({ ok: true });
      } catch (error) {
        failures = Math.min(failures + 1, 16);
        options.onAttempt?.({ ok: false, error });
      }
    }
    schedule();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
