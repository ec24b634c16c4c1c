/**
 * The one catalogue of error codes of the ground service, with the HTTP status each answers with.
 * Codes are stable API: clients and finance reports match on them. Add, never rename or reuse.
 */
export const ERROR_STATUS = {
  // Request shape and transport
  validation_failed: 400,
  malformed_json: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  not_found: 404,
  // Who is calling
  unauthenticated: 401,
  forbidden: 403,
  bad_request_signature: 401,
  request_replayed: 401,
  rate_limited: 429,
  csrf_failed: 403,
  // Ledger
  exists_with_different_fields: 409,
  account_not_found: 404,
  currency_mismatch: 422,
  insufficient_funds: 422,
  pending_not_found: 404,
  pending_already_resolved: 409,
  pending_expired: 409,
  post_exceeds_pending: 422,
  // Domain
  email_taken: 409,
  invalid_credentials: 401,
  flight_exists: 409,
  flight_not_found: 404,
  registration_closed: 409,
  already_registered: 409,
  cap_out_of_range: 422,
  /** The phone key sent at registration is not a compressed P-256 point. */
  device_key_invalid: 400,
  registration_not_found: 404,
  registration_not_active: 409,
  invalid_catalog: 422,
  invalid_crew: 422,
  no_issuer_key: 503,
  issuer_key_not_found: 404,
  enrolment_code_invalid: 401,
  terminal_not_found: 404,
  terminal_not_assigned: 403,
  terminal_revoked: 403,
  flight_not_ready: 409,
  batch_rejected: 422,
  sequence_gap: 409,
  not_actionable: 409,
  trolley_taken: 409,
  service_open: 409,
  rates_frozen: 409,
  no_rate: 422,
  trolley_unknown: 422,
  rotation_invalid: 422,
  rotation_not_found: 404,
  rotation_conflict: 409,
  /** The passenger still owes a shortfall of an earlier flight: pay it before registering again. */
  shortfall_outstanding: 409,
  /** A receipt a passenger sent back does not check (forged, altered, another flight, not theirs). */
  receipt_invalid: 422,
  // Server
  internal_error: 500,
  unavailable: 503,
  busy: 503,
  /** The embedded database is open in another process (the CLI beside a running service). */
  database_in_use: 409,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get statusCode(): number {
    return ERROR_STATUS[this.code];
  }
}
