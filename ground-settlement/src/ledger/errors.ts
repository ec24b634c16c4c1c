/**
 * The ledger's one catalogue of refusals. Every path into the ledger (one transfer or a batch)
 * refuses with these, never with a raw constraint violation; `plugins/errors` alone turns them into
 * HTTP answers, with the statuses of the service's catalogue (`ERROR_STATUS`).
 */
import type { ErrorCode } from "../errors.js";

export const LEDGER_ERROR_CODES = [
  "validation_failed",
  "exists_with_different_fields",
  "account_not_found",
  "currency_mismatch",
  "insufficient_funds",
  "pending_not_found",
  "pending_already_resolved",
  "pending_expired",
  "post_exceeds_pending",
] as const satisfies readonly ErrorCode[];

export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

export class LedgerError extends Error {
  override readonly name = "LedgerError";
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details?: { readonly availableMinor: number },
  ) {
    super(message);
  }
}
