/**
 * The messages between Electron's main process and the core's utility process, where SQLite runs
 * so that no query ever blocks the thread that draws the window (as Actual Budget does). Plain
 * data both ways: a call names an API method and carries its input, unvalidated (the core checks
 * it); the answer is the value or the one fault shape (`fault.ts`). Events flow from the core.
 */
import type { TerminalApiMethod, TerminalEvent } from "./contract.js";
import type { TerminalFault } from "./fault.js";

/** The first message: where the core keeps its data, and the key that seals the device key file. */
export interface CoreInit {
  readonly type: "init";
  readonly dataDir: string;
  /** 32 bytes, hex: unsealed by main from the OS keychain, which the utility process cannot reach. */
  readonly dataKeyHex: string;
  readonly autoUploadEveryMs?: number;
  /** Cabin sync's settings, read by main from the environment (`core/sync/cabin-config.ts`). */
  readonly cabin?: {
    readonly listen?: { readonly host: string; readonly port: number };
    readonly peers: readonly string[];
    readonly everyMs: number;
    readonly discovery?: { readonly address: string; readonly port: number };
  };
}

export interface CoreCall {
  readonly type: "call";
  readonly id: number;
  readonly method: TerminalApiMethod;
  readonly input: unknown;
}

/** The last message: the core closes its database and the process ends. */
export interface CoreClose {
  readonly type: "close";
}

export type CoreAnswer =
  | { readonly type: "ready" }
  | { readonly type: "failed"; readonly fault: TerminalFault }
  | { readonly type: "reply"; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: "reply"; readonly id: number; readonly ok: false; readonly fault: TerminalFault }
  | { readonly type: "event"; readonly event: TerminalEvent };

/** One end of the channel: Electron's `MessagePortMain` and a Node child's IPC both fit behind it. */
export interface CorePort {
  postMessage(message: CoreInit | CoreCall | CoreClose | CoreAnswer): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** Main's end also learns when the core's process ends, so nothing waits on a dead process. */
export interface CoreProcessPort extends CorePort {
  onExit(listener: (why: string) => void): void;
}
