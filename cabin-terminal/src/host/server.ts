/**
 * The browser host (core process, plain Node): serves the crew UI to a normal browser and bridges
 * the same `TerminalApi` to the same core over HTTP, for development, demos and tests. Loopback
 * only, and every API call carries the per-launch token written into the page, so no other page
 * or local program can drive the terminal:
 *
 *   POST /api/<domain>/<verb>   body: the handler's input as JSON → { ok: true, value } or
 *                               { ok: false, code, message } (a TerminalError, with its code)
 *   GET  /api/events            the core's events (upload progress), one JSON object per line
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { TERMINAL_API_METHODS, type TerminalApi, type TerminalApiMethod, type TerminalEvent } from "../api/contract.js";
import { faultHttpStatus } from "../api/fault.js";
import { CONTENT_SECURITY_POLICY } from "../api/security.js";
import { faultOf } from "../core/errors.js";
import { readBodyUpTo } from "../core/http-body.js";

/** The largest input is a manifest imported from a file, base64 in JSON. */
export const HOST_BODY_BYTES_MAX = 2 * 1024 * 1024;
export const HOST_TOKEN_HEADER = "x-cabinpay-host-token";

export interface BrowserHostOptions {
  readonly api: TerminalApi;
  /** The built renderer (index.html and its assets). */
  readonly rendererDir: string;
  readonly port?: number;
  /** Receives the core's events, to pass to the page. */
  readonly events: { subscribe(listener: (event: TerminalEvent) => void): () => void };
  readonly log?: (entry: Record<string, unknown>) => void;
}

export interface BrowserHost {
  readonly url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

const METHODS = new Set<string>(TERMINAL_API_METHODS);

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = randomBytes(24).toString("base64url");
  const log = options.log ?? (() => undefined);
  let origin = "";
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log({ level: "error", msg: "browser host request failed", error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) send(response, 500, { ok: false, code: "internal", message: "the terminal host failed: see its log" });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // DNS rebinding: a page from another name resolving to 127.0.0.1 must not reach the API.
    if (request.headers.host !== new URL(origin).host) return send(response, 421, { ok: false, code: "wrong_host", message: "wrong Host" });
    const url = new URL(request.url ?? "/", origin);
    if (url.pathname.startsWith("/api/")) {
      if (!hasToken(request)) return send(response, 403, { ok: false, code: "forbidden", message: "missing or wrong host token" });
      if (url.pathname === "/api/events" && request.method === "GET") return streamEvents(response);
      const method = url.pathname.slice("/api/".length);
      if (request.method !== "POST" || !METHODS.has(method))
        return send(response, 404, { ok: false, code: "not_found", message: `no API method ${method}` });
      const body = await readBodyUpTo(request, HOST_BODY_BYTES_MAX);
      if (body === undefined)
        return send(response, 413, { ok: false, code: "too_large", message: `request body over ${HOST_BODY_BYTES_MAX} bytes` });
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
      } catch {
        return send(response, 400, { ok: false, code: "invalid_input", message: "the body is not JSON" });
      }
      try {
        const handler = options.api[method as TerminalApiMethod] as (input: unknown) => Promise<unknown>;
        const value = await handler(input);
        return send(response, 200, { ok: true, value: value ?? null });
      } catch (error) {
        const fault = faultOf(error);
        // Anything but a refusal goes to the outer handler: logged, answered 500 without details.
        if (faultHttpStatus(fault) === 500) throw error;
        return send(response, faultHttpStatus(fault), { ok: false, ...fault });
      }
    }
    if (request.method !== "GET") return send(response, 405, { ok: false, code: "method_not_allowed", message: "GET only" });
    return serveFile(url.pathname, response);
  }

  function hasToken(request: IncomingMessage): boolean {
    const given = Buffer.from(String(request.headers[HOST_TOKEN_HEADER] ?? ""));
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  function streamEvents(response: ServerResponse): void {
    response.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
    response.write("\n"); // tells the page the stream is open
    const stop = options.events.subscribe((event) => response.write(`${JSON.stringify(event)}\n`));
    response.on("close", stop);
  }

  async function serveFile(pathname: string, response: ServerResponse): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname === "/" ? "/index.html" : pathname);
    } catch {
      // A `%` that starts no escape ("/%zz"): a bad request, not a failure of the host.
      return send(response, 400, { ok: false, code: "bad_path", message: "the path has a malformed % escape" });
    }
    const relative = normalize(decoded).replace(/^([/\\])+/, "");
    const path = join(options.rendererDir, relative);
    if (!path.startsWith(options.rendererDir + sep) || relative.includes("\0")) return send(response, 404, notFound);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      return send(response, 404, notFound);
    }
    const type = CONTENT_TYPES[extname(path)] ?? "application/octet-stream";
    const body = extname(path) === ".html" ? Buffer.from(bytes.toString("utf8").replace("%CABINPAY_HOST_TOKEN%", token)) : bytes;
    response.writeHead(200, {
      "content-type": type,
      "content-security-policy": CONTENT_SECURITY_POLICY,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    });
    response.end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log({ level: "info", msg: "browser host listening", url: origin });
  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const notFound = { ok: false, code: "not_found", message: "no such file" };

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  response.end(JSON.stringify(body));
}
