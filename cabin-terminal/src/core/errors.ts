/**
 * The cabin terminal core's errors. Their codes are the one catalogue in the contract
 * (`api/fault.ts`), so the crew UI says each in words; support and tests match on the code. Add
 * codes, never rename or reuse them (`flight_not_loaded` was merged into `no_flight_loaded`: both
 * meant the same to crew, and only the latter reached the API).
 */
import { INTERNAL_FAULT, type TerminalErrorCode, type TerminalFault, TerminalFaultError } from "../api/fault.js";

export { TERMINAL_ERROR_CODES, type TerminalErrorCode } from "../api/fault.js";

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
