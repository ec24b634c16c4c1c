/**
 * Main's side of the channel to the core's process (main process, no Electron import, so tested
 * over a Node child): the `TerminalApi` as calls over the port, each answered by id. A fault comes
 * back as a `TerminalFaultError`, which the IPC handlers pass on to the renderer as it is. If the
 * core's process stops, every call waiting and every later one fails with `core_stopped`.
 */

import { TERMINAL_API_METHODS, type TerminalApi, type TerminalApiMethod, type TerminalEvent } from "../api/contract.js";
import type { CoreInit, CoreProcessPort } from "../api/core-channel.js";
import { type TerminalFault, TerminalFaultError } from "../api/fault.js";

export interface CoreClient {
  readonly api: TerminalApi;
  close(): void;
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

type Answer = { type?: string; id?: number; ok?: boolean; value?: unknown; fault?: TerminalFault; event?: TerminalEvent };

/**
 * Starts the core with `init`, resolving once it is ready, rejecting with its fault if it refused to
 * start or with `core_stopped` if its process ended first (a native module built for another ABI,
 * say): the app is never left waiting on a process that is gone.
 */
export function connectCore(
  port: CoreProcessPort,
  init: Omit<CoreInit, "type">,
  onEvent: (event: TerminalEvent) => void,
): Promise<CoreClient> {
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let stoppedFault: TerminalFault | undefined;
  let starting: Waiting | undefined;
  const client: CoreClient = {
    api: Object.fromEntries(
      TERMINAL_API_METHODS.map((method) => [method, (input: unknown) => call(method, input)]),
    ) as unknown as TerminalApi,
    close: () => port.postMessage({ type: "close" }),
  };
  function call(method: TerminalApiMethod, input: unknown): Promise<unknown> {
    if (stoppedFault !== undefined) return Promise.reject(new TerminalFaultError(stoppedFault));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      port.postMessage({ type: "call", id, method, input: input ?? {} });
    });
  }
  /** The core's process ended: what is waiting fails, and so does what comes. */
  port.onExit((why) => {
    stoppedFault = {
      code: "core_stopped",
      message: `the terminal's core stopped (${why}): restart the terminal; every approved sale is on its disk`,
    };
    for (const call of waiting.values()) call.reject(new TerminalFaultError(stoppedFault));
    waiting.clear();
    starting?.reject(new TerminalFaultError(stoppedFault));
  });
  port.onMessage((message) => {
    const answer = message as Answer;
    if (answer.type === "event" && answer.event !== undefined) return onEvent(answer.event);
    if (answer.type === "ready") return starting?.resolve(client);
    if (answer.type === "failed" && answer.fault !== undefined) return starting?.reject(new TerminalFaultError(answer.fault));
    const call = answer.type === "reply" && answer.id !== undefined ? waiting.get(answer.id) : undefined;
    if (call === undefined) return;
    waiting.delete(answer.id!);
    if (answer.ok === true) call.resolve(answer.value);
    else call.reject(new TerminalFaultError(answer.fault ?? { code: "internal", message: "the core answered without a fault" }));
  });
  return new Promise((resolve, reject) => {
    starting = { resolve: resolve as (value: unknown) => void, reject };
    port.postMessage({ type: "init", ...init });
  });
}
