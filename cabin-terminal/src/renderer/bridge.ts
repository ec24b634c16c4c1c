/**
 * The renderer's way to the core (renderer process): Electron's preload puts the bridge on
 * `window.cabinpay`; in a normal browser the browser host serves this page and the same API is
 * reached over HTTP with the token the host wrote into the page.
 */
import {
  TERMINAL_API_METHODS,
  type TerminalApi,
  type TerminalApiMethod,
  type TerminalBridge,
  type TerminalEvent,
} from "../api/contract.js";
import { parseIpcError, type TerminalFault } from "../api/fault.js";

declare global {
  interface Window {
    readonly cabinpay?: TerminalBridge;
  }
}

/** A refusal by the core (its error code), as opposed to a declined sale, which is an answer. */
export class TerminalCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function connect(): TerminalBridge {
  return window.cabinpay === undefined ? httpBridge() : electronBridge(window.cabinpay);
}

/** Errors crossing Electron's context bridge keep only their message: the code is read back from it. */
function electronBridge(bridge: TerminalBridge): TerminalBridge {
  const api = Object.fromEntries(
    TERMINAL_API_METHODS.map((method) => [
      method,
      async (input: unknown) => {
        try {
          return await (bridge.api[method] as (input: unknown) => Promise<unknown>)(input);
        } catch (error) {
          const { code, message } = parseIpcError(error instanceof Error ? error.message : String(error));
          throw new TerminalCallError(code, message);
        }
      },
    ]),
  ) as unknown as TerminalApi;
  return { api, onEvent: (listener) => bridge.onEvent(listener) };
}

function httpBridge(): TerminalBridge {
  const token = document.querySelector<HTMLMetaElement>('meta[name="cabinpay-host-token"]')?.content ?? "";
  const headers = { "content-type": "application/json", "x-cabinpay-host-token": token };
  const call = async (method: TerminalApiMethod, input: unknown) => {
    let response: Response;
    try {
      response = await fetch(`/api/${method}`, { method: "POST", headers, body: JSON.stringify(input ?? {}) });
    } catch {
      throw new TerminalCallError("host_unreachable", "the terminal host is not answering: restart the terminal");
    }
    const body = (await response.json()) as { ok: true; value: unknown } | ({ ok: false } & TerminalFault);
    if (!body.ok) throw new TerminalCallError(body.code, body.message);
    return body.value;
  };
  const api = Object.fromEntries(
    TERMINAL_API_METHODS.map((method) => [method, (input: unknown) => call(method, input)]),
  ) as unknown as TerminalApi;
  return {
    api,
    onEvent(listener) {
      const controller = new AbortController();
      void (async () => {
        const response = await fetch("/api/events", { headers, signal: controller.signal });
        const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
        let buffered = "";
        for (;;) {
          const chunk = await reader?.read();
          if (chunk === undefined || chunk.done) return;
          buffered += chunk.value;
          const lines = buffered.split("\n");
          buffered = lines.pop() ?? "";
          for (const line of lines) if (line.trim() !== "") listener(JSON.parse(line) as TerminalEvent);
        }
      })().catch(() => undefined); // closed by the page or the host: nothing to report
      return () => controller.abort();
    },
  };
}
