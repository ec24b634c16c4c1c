/**
 * The one catalogue of error codes of the cabin terminal core. Crew see the message; support and
 * tests match on the code. Add codes, never rename or reuse them.
 */
export const TERMINAL_ERROR_CODES = [
  "database_damaged",
  "database_unavailable",
  "not_enrolled",
  "key_store_damaged",
  "manifest_rejected",
  "trolley_not_in_manifest",
  "flight_in_service",
  "flight_not_loaded",
] as const;
export type TerminalErrorCode = (typeof TERMINAL_ERROR_CODES)[number];

export class TerminalError extends Error {
  override readonly name = "TerminalError";
  constructor(
    readonly code: TerminalErrorCode,
    message: string,
  ) {
    super(message);
  }
}
