/**
 * One error shape for every transport of the terminal API (Electron's IPC, the browser host, the
 * CLI): the core's error code and a message for people. The core makes it (`faultOf` in
 * core/errors.ts); each transport only carries it and says it its own way.
 */
/** The core's refusal codes: the contract's, so that every screen can say each in words. */
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
export type FaultCode = TerminalErrorCode | (typeof TRANSPORT_FAULT_CODES)[number];

/** Codes a transport adds: the core's process stopped, the host does not answer, a failure of the terminal itself. */
export const TRANSPORT_FAULT_CODES = ["core_stopped", "host_unreachable", "internal"] as const;

export interface TerminalFault {
  readonly code: string;
  readonly message: string;
}

/** A fault carried back from another process (the core's), raised again where it is awaited. */
export class TerminalFaultError extends Error {
  override readonly name = "TerminalFaultError";
  constructor(readonly fault: TerminalFault) {
    super(fault.message);
  }
}

/** What anything but a refusal of the core becomes: its details go to the log, not to the screen. */
export const INTERNAL_FAULT: TerminalFault = { code: "internal", message: "the terminal failed; see its log" };

/** The caller sent something wrong (HTTP 400, the CLI's usage exit) rather than the terminal refusing now. */
export function isCallersFault(fault: TerminalFault): boolean {
  return fault.code === "invalid_input";
}

/** The browser host's HTTP status for a fault. */
export function faultHttpStatus(fault: TerminalFault): 400 | 409 | 500 {
  if (fault.code === INTERNAL_FAULT.code) return 500;
  return isCallersFault(fault) ? 400 : 409;
}

/**
 * A fault crossing Electron's IPC keeps only its message, and Electron wraps that message
 * ("Error invoking remote method 'cabinpay:…': Error: …"). Main marks the code so the renderer
 * can find it in whatever wrapping.
 */
const IPC_ERROR_MARK = "cabinpay-error:";

export function ipcErrorMessage(fault: TerminalFault): string {
  return `${IPC_ERROR_MARK}${fault.code}: ${fault.message}`;
}

export function parseIpcError(text: string): TerminalFault {
  const match = /cabinpay-error:([a-z_]+): (.*)$/s.exec(text);
  return match === null ? { code: INTERNAL_FAULT.code, message: text } : { code: match[1]!, message: match[2]! };
}
