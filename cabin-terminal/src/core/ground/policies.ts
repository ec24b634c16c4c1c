/**
 * How the terminal talks to the ground, named in one place: how long a request may take, how an
 * upload retries and how long a busy ground may make it wait, how often the background upload
 * tries and how far it backs off while the ground cannot be reached.
 */
export const GROUND_TIMEOUT_MS = 15_000;

/** Retries per batch, and how long a whole fleet landing at once may be asked to wait its turn. */
export const UPLOAD_POLICY = { attemptsMax: 6, backoffInitialMs: 500, backoffMsMax: 15_000, busyWaitMsMax: 10 * 60_000 } as const;

/** How often the app and the browser host look for unsent records while the ground cannot be reached. */
export const AUTO_UPLOAD_EVERY_MS = 30_000;
export const AUTO_UPLOAD_BACKOFF_MAX_MS = 5 * 60_000;
