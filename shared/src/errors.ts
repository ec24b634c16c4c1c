/**
 * The one catalogue of error and rejection codes of @cabinpay/shared.
 *
 * Codes are stable API: terminals, the ground service and finance reports store and compare them,
 * so a code is never renamed or reused with another meaning. Add new codes at the end of a list.
 */

/** Codes thrown as {@link CabinPayError} for bad arguments from our own (trusted) code. */
export const ERROR_CODES = [
  "invalid_argument",
  "unknown_currency",
  "currency_mismatch",
  "amount_overflow",
  "invalid_amount",
  "limit_exceeded",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Why user-typed money text was refused by {@link parseAmount}. */
export const AMOUNT_PARSE_REJECTIONS = ["empty", "too_long", "not_a_number", "too_many_decimals", "too_large"] as const;
export type AmountParseRejection = (typeof AMOUNT_PARSE_REJECTIONS)[number];

/** Why a voucher was refused by `verifyVoucher`. Checked in this order; the first failing check wins. */
export const VOUCHER_REJECTIONS = [
  "malformed",
  "unsupported_version",
  "unsupported_algorithm",
  "unknown_key",
  "bad_signature",
  "wrong_flight",
  "wrong_date",
  "revoked",
  "not_yet_valid",
  "expired",
] as const;
export type VoucherRejection = (typeof VOUCHER_REJECTIONS)[number];

/**
 * Why a rotating code was refused by `verifyRotatingCode`: a voucher's reasons (the voucher inside
 * is checked as a printed one is), then the code's own. A replay is the terminal's to see (it
 * remembers the codes it took).
 */
export const ROTATING_CODE_REJECTIONS = [
  ...VOUCHER_REJECTIONS,
  "not_device_bound",
  "bad_device_signature",
  "code_not_yet_valid",
  "code_expired",
] as const;
export type RotatingCodeRejection = (typeof ROTATING_CODE_REJECTIONS)[number];

/** Why a chain of sale records was refused by `verifyChain`, naming the first broken record. */
export const CHAIN_REJECTIONS = [
  "malformed",
  "unsupported_version",
  "wrong_terminal",
  "wrong_flight",
  "duplicate",
  "fork",
  "reorder",
  "gap",
  "altered",
  "bad_signature",
  "after_close",
] as const;
export type ChainRejection = (typeof CHAIN_REJECTIONS)[number];

/** Why an upload batch was refused whole by `verifyBatch` (before its chain is checked). */
export const BATCH_REJECTIONS = [
  "malformed",
  "unsupported_version",
  "too_large",
  "wrong_terminal",
  "wrong_flight",
  "bad_signature",
  "broken_chain",
] as const;
export type BatchRejection = (typeof BATCH_REJECTIONS)[number];

/** Why a flight manifest was refused by `verifyManifest`. */
export const MANIFEST_REJECTIONS = [
  "malformed",
  "unsupported_version",
  "too_large",
  "unknown_key",
  "bad_signature",
  "wrong_flight",
  "not_yet_valid",
  "expired",
] as const;
export type ManifestRejection = (typeof MANIFEST_REJECTIONS)[number];

/** An error raised by our own code handing the library an argument it must not accept. */
export class CabinPayError extends Error {
  override readonly name = "CabinPayError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Throws `invalid_argument` unless `condition` holds: for invariants on inputs from our own code. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CabinPayError("invalid_argument", message);
}

/** Throws `limit_exceeded` unless `condition` holds: too many or too large, so split or shorten. */
export function checkLimit(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CabinPayError("limit_exceeded", message);
}
