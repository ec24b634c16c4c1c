/**
 * The one catalogue of error codes of the cabin terminal core. Crew see the message; support and
 * tests match on the code. Add codes, never rename or reuse them (`flight_not_loaded` was merged
 * into `no_flight_loaded`: both meant the same to crew, and only the latter reached the API).
 */
import { INTERNAL_FAULT, type TerminalFault, TerminalFaultError } from "../api/fault.js";

export const TERMINAL_ERROR_CODES = [
  "database_damaged",
  "database_unavailable",
  "not_enrolled",
  "key_store_damaged",
  "key_store_unavailable",
  "manifest_rejected",
  "trolley_not_in_manifest",
  "flight_in_service",
  "ground_unreachable",
  "ground_refused",
  "invalid_input",
  "no_flight_loaded",
  "records_purged",
  "chain_broken",
  "chain_forked",
  "records_unsent",
  "previous_leg_open",
  "stock_unknown",
  "no_next_leg",
  "not_assigned",
] as const;
export type TerminalErrorCode = (typeof TERMINAL_ERROR_CODES)[number];

export class TerminalError extends Error {
  override readonly name = "TerminalError";
  constructor(
    readonly code: TerminalErrorCode,
    message: string,
    /** For ground_refused: the HTTP status and the ground's own error body. */
    readonly ground?: { readonly status: number; readonly code: string; readonly details?: unknown },
  ) {
    super(message);
  }
}

/** The one shape every transport carries: a refusal of the core as itself, anything else as internal. */
export function faultOf(error: unknown): TerminalFault {
  if (error instanceof TerminalFaultError) return error.fault;
  return error instanceof TerminalError ? { code: error.code, message: error.message } : INTERNAL_FAULT;
}
