/**
 * The core's side of the channel to Electron's main (core process): answers each call with the
 * core's value or its fault, in the order the core finishes them, and passes the core's events on.
 * A message that is not a call of a known method is answered as a caller's fault, never run.
 */

import { TERMINAL_API_METHODS, type TerminalApi } from "../api/contract.js";
import type { CoreCall, CorePort } from "../api/core-channel.js";
import { faultOf } from "./errors.js";

const METHODS: ReadonlySet<string> = new Set(TERMINAL_API_METHODS);

function isCall(message: unknown): message is CoreCall {
  const call = message as Partial<CoreCall> | null;
  return (
    typeof call === "object" && call !== null && call.type === "call" && Number.isSafeInteger(call.id) && METHODS.has(String(call.method))
  );
}

export function serveCore(port: CorePort, core: TerminalApi): void {
  port.onMessage(async (message) => {
    if (!isCall(message)) {
      const id = (message as { id?: unknown } | null)?.id;
      if (Number.isSafeInteger(id))
        port.postMessage({
          type: "reply",
          id: id as number,
          ok: false,
          fault: { code: "invalid_input", message: "not a call of the terminal API" },
        });
      return;
    }
    try {
      const value = await (core[message.method] as (input: unknown) => Promise<unknown>)(message.input);
      port.postMessage({ type: "reply", id: message.id, ok: true, value: value ?? null });
    } catch (error) {
      port.postMessage({ type: "reply", id: message.id, ok: false, fault: faultOf(error) });
    }
  });
}
