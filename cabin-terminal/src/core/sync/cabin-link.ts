/**
 * The cabin network between trolleys (core process, plain Node): each terminal listens for its
 * peers' exchanges (`POST /cabin/exchange`, the same input and answer as the API's
 * `cabin/exchange`) and, every `everyMs` and after each sale, sends each peer its own snapshot and
 * those it heard, taking what the peer answers. No request needs a credential: every snapshot is
 * signed by a terminal our ground certified, and is checked before it counts. A peer that does not
 * answer is tried again next time; the terminal keeps selling on what it knows.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TerminalApi } from "../../api/contract.js";
import { TerminalError } from "../errors.js";
import { readBodyUpTo } from "../http-body.js";

/** Sixteen snapshots of 2,000 vouchers each, in base64url JSON. */
const BODY_BYTES_MAX = 2 * 1024 * 1024;
const PEER_TIMEOUT_MS = 2_000;

export interface CabinLinkOptions {
  /** Where peers reach this terminal (port 0: any free one); none: this terminal only calls out. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** The other terminals' base URLs (http://10.0.0.12:7311). */
  readonly peers: readonly string[];
  /** Peers found on the galley network (`cabin-discovery.ts`), asked besides `peers`. */
  readonly discovered?: () => readonly string[];
  readonly everyMs: number;
  readonly exchange: TerminalApi["cabin/exchange"];
  readonly fetch?: typeof fetch;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** After each round: how long ago each peer was heard has changed, for the crew screen. */
  readonly onRound?: () => void;
}

export interface CabinLink {
  /** Where this terminal listens, once it does. */
  readonly url: Promise<string | undefined>;
  /** Exchange now (after a sale), rather than at the next tick. */
  nudge(): void;
  stop(): Promise<void>;
}

export function startCabinLink(options: CabinLinkOptions): CabinLink {
  const log = options.log ?? (() => undefined);
  const server = options.listen === undefined ? undefined : listen(options, log);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  /** A sale made while a round runs: one more round right after, so it is not left for the next tick. */
  let again = false;
  const round = async () => {
    const peers = new Set([...options.peers, ...(options.discovered?.() ?? [])]);
    for (const peer of peers) await exchangeWith(peer, options, log);
  };
  const tick = () => {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = round().finally(() => {
      running = undefined;
      options.onRound?.();
      if (again) {
        again = false;
        tick();
      } else schedule();
    });
  };
  const schedule = () => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(tick, options.everyMs);
    timer.unref?.();
  };
  schedule();
  return {
    url: server === undefined ? Promise.resolve(undefined) : server.url,
    nudge: tick,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
      if (server !== undefined) await new Promise<void>((resolve) => server.server.close(() => resolve()));
    },
  };
}

/** One exchange with one peer: ours out, theirs in. Failures are logged and left to the next round. */
async function exchangeWith(peer: string, options: CabinLinkOptions, log: (entry: Record<string, unknown>) => void): Promise<void> {
  try {
    const ours = await options.exchange({ snapshots: [] });
    const response = await (options.fetch ?? fetch)(new URL("/cabin/exchange", peer), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ snapshots: ours.snapshots }),
      signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`the peer answered ${response.status}`);
    const theirs = (await response.json()) as { snapshots?: unknown };
    if (!Array.isArray(theirs.snapshots)) throw new Error("the peer's answer has no snapshots");
    const taken = await options.exchange({ snapshots: theirs.snapshots as string[] });
    log({ level: "debug", msg: "cabin exchange", peer, verdicts: taken.verdicts });
  } catch (error) {
    log({ level: "info", msg: "cabin peer not reached", peer, error: error instanceof Error ? error.message : String(error) });
  }
}

function listen(options: CabinLinkOptions, log: (entry: Record<string, unknown>) => void): { server: Server; url: Promise<string> } {
  const server = createServer((request, response) => {
    serve(request, response, options).catch((error: unknown) => {
      log({ level: "error", msg: "cabin exchange failed", error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) reply(response, 500, { code: "internal", message: "the terminal failed: see its log" });
    });
  });
  const { host, port } = options.listen!;
  const url = new Promise<string>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve(`http://${host.includes(":") ? `[${host}]` : host}:${address.port}`);
    });
  });
  return { server, url };
}

async function serve(request: IncomingMessage, response: ServerResponse, options: CabinLinkOptions): Promise<void> {
  if (request.method !== "POST" || request.url !== "/cabin/exchange")
    return reply(response, 404, { code: "not_found", message: "no such route" });
  const body = await readBodyUpTo(request, BODY_BYTES_MAX);
  if (body === undefined) return reply(response, 413, { code: "too_large", message: `body over ${BODY_BYTES_MAX} bytes` });
  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch {
    return reply(response, 400, { code: "invalid_input", message: "the body is not JSON" });
  }
  try {
    reply(response, 200, await options.exchange(input as { snapshots: string[] }));
  } catch (error) {
    if (!(error instanceof TerminalError)) throw error;
    reply(response, error.code === "invalid_input" ? 400 : 409, { code: error.code, message: error.message });
  }
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}
