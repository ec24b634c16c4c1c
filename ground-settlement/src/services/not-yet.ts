/** A retryable condition: the job is retried with backoff (a reversal waits for its sale, a close for its settlements). */
export class NotYetError extends Error {
  override readonly name = "NotYetError";
}
