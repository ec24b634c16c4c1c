/**
 * One terminal (core process): the core on a data directory with its crew UI served by the browser
 * host, and the channel that carries the core's events to the page. The host executable and
 * `npm run demo` both run this.
 */
import { fileURLToPath } from "node:url";
import type { TerminalEvent } from "../api/contract.js";
import { createTerminalCore, type TerminalCore, type TerminalCoreOptions } from "../core/api.js";
import { type BrowserHost, startBrowserHost } from "./server.js";

export interface TerminalHost {
  readonly core: TerminalCore;
  readonly url: string;
  /** Tells the page something changed outside it (a sale or close made by a script). */
  notify(event: TerminalEvent): void;
  close(): Promise<void>;
}

export interface TerminalHostOptions {
  readonly dataDir: string;
  /** 0 (the default) takes any free port. */
  readonly port?: number;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** The built crew UI; the one beside this file in dist/ by default. */
  readonly rendererDir?: string;
  readonly now?: () => number;
  /** Upload unsent records in the background this often (the executable: 30 s; tests: off). */
  readonly autoUploadEveryMs?: number;
  /** Cabin sync with the flight's other terminals (off when unset). */
  readonly cabin?: TerminalCoreOptions["cabin"];
}

export async function startTerminalHost(options: TerminalHostOptions): Promise<TerminalHost> {
  const listeners = new Set<(event: TerminalEvent) => void>();
  const notify = (event: TerminalEvent) => {
    for (const listener of listeners) listener(event);
  };
  const core = createTerminalCore({
    dataDir: options.dataDir,
    ...(options.now === undefined ? {} : { now: options.now }),
    onUploadProgress: (progress) => notify({ type: "sync/progress", ...progress }),
    ...(options.autoUploadEveryMs === undefined ? {} : { autoUploadEveryMs: options.autoUploadEveryMs }),
    ...(options.cabin === undefined ? {} : { cabin: options.cabin }),
    onStatusChanged: () => notify({ type: "status/changed" }),
  });
  let host: BrowserHost;
  try {
    host = await startBrowserHost({
      api: core,
      rendererDir: options.rendererDir ?? fileURLToPath(new URL("../renderer", import.meta.url)),
      port: options.port ?? 0,
      events: {
        subscribe(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      ...(options.log === undefined ? {} : { log: options.log }),
    });
  } catch (error) {
    core.close();
    throw error;
  }
  return {
    core,
    url: host.url,
    notify,
    async close() {
      await host.close();
      await core.close();
    },
  };
}
