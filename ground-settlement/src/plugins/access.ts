/**
 * Who may call what. Every route declares `config.access` (a route without it fails at start),
 * and this plugin authenticates the caller against it:
 * - passengers: `Authorization: Bearer cps_…` (session token), or in a browser the same token in
 *   an HTTP-only cookie plus the session's CSRF token on requests that change something;
 * - ops and finance: `Authorization: Bearer cpk_…` (API key with a role), or in a browser a staff
 *   web session (`cpw_…`) in the same HTTP-only cookie, with the same CSRF rule;
 * - terminals: a request signed with the enrolled device key (shared `signTerminalRequest`),
 *   inside the time window, with a nonce never seen before.
 * Missing or bad credentials answer 401; valid credentials of the wrong kind answer 403.
 */

import { timingSafeEqual } from "node:crypto";
import { fromBase64Url, NONCE_PATTERN, REQUEST_WINDOW_MS, TERMINAL_REQUEST_HEADERS, terminalRequestMessage } from "@cabinpay/shared";
import { createSodiumVerifier, nodeSha256 } from "@cabinpay/shared/node";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { API_KEY_PREFIX, csrfTokenOf, hashToken, isWellFormedToken, SESSION_PREFIX, STAFF_SESSION_PREFIX } from "../auth/tokens.js";
import { apiKeys, sessions, staffSessions, staffUsers } from "../db/schema/identity.js";
import { requestNonces, terminals } from "../db/schema/terminals.js";
import { ApiError } from "../errors.js";
import { CSRF_HEADER, SESSION_COOKIE } from "./web-security.js";

export const ACCESS = ["public", "passenger", "ops", "finance", "terminal"] as const;
export type Access = (typeof ACCESS)[number];

export type Principal =
  | { readonly kind: "anonymous" }
  | { readonly kind: "passenger"; readonly passengerId: string; readonly sessionHash: string }
  | {
      readonly kind: "staff";
      readonly role: "ops" | "finance";
      /** Who, for the record: "api-key:<id>" or "staff:<id>". */
      readonly actor: string;
      /** For a staff member's web session: its token's hash (to end it). */
      readonly sessionHash?: string;
    }
  | { readonly kind: "terminal"; readonly terminalId: string };

/** Who made a staff change, for the record; only staff make them (the route's access says so too). */
export function staffActor(principal: Principal): string {
  if (principal.kind !== "staff") throw new ApiError("forbidden", "finance and ops only");
  return principal.actor;
}

/** The passenger calling; only passengers reach these routes (the route's access says so too). */
export function passengerIdOf(principal: Principal): string {
  if (principal.kind !== "passenger") throw new ApiError("forbidden", "passengers only");
  return principal.passengerId;
}

/** The terminal calling, by its device key. */
export function terminalIdOf(principal: Principal): string {
  if (principal.kind !== "terminal") throw new ApiError("forbidden", "terminals only");
  return principal.terminalId;
}

declare module "fastify" {
  interface FastifyContextConfig {
    access?: readonly Access[];
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

const verifier = createSodiumVerifier();
const ANONYMOUS: Principal = { kind: "anonymous" };

export const accessPlugin = fp(
  async (app: FastifyInstance) => {
    // Set on every request by the onRequest hook below before any handler reads it.
    app.decorateRequest("principal", null as never);
    app.addHook("onRoute", (route) => {
      const access = (route.config as { access?: readonly Access[] } | undefined)?.access;
      // The API docs and @fastify/static's file routes (the public web pages) are public by nature.
      if (route.url.startsWith("/docs") || (route.url.startsWith("/app/") && access === undefined)) return;
      if (access === undefined || access.length === 0)
        throw new Error(`route ${String(route.method)} ${route.url} must declare config.access`);
    });

    app.addHook("onRequest", async (request) => {
      request.principal = ANONYMOUS;
      const access = request.routeOptions.config.access;
      if (access === undefined || access.includes("public")) return;
      if (request.headers[TERMINAL_REQUEST_HEADERS.signature] !== undefined) {
        if (!access.includes("terminal")) throw new ApiError("forbidden", "terminals may not call this route");
        return; // verified in preValidation, once the raw body is read
      }
      if (access.length === 1 && access[0] === "terminal")
        throw new ApiError("unauthenticated", "this route takes signed terminal requests only");
      request.principal = await bearerPrincipal(app, request);
      const principal = request.principal;
      const allowed =
        (principal.kind === "passenger" && access.includes("passenger")) || (principal.kind === "staff" && access.includes(principal.role));
      if (!allowed)
        throw new ApiError("forbidden", `a ${principal.kind === "staff" ? principal.role : principal.kind} may not call this route`);
    });

    app.addHook("preValidation", async (request) => {
      const access = request.routeOptions.config.access;
      if (access?.includes("terminal") && request.headers[TERMINAL_REQUEST_HEADERS.signature] !== undefined) {
        request.principal = await terminalPrincipal(app, request);
      }
    });
  },
  { name: "access", dependencies: ["infrastructure", "body-parsers", "web-security"] },
);

async function bearerPrincipal(app: FastifyInstance, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  const cookieToken = request.cookies[SESSION_COOKIE];
  if (header === undefined && cookieToken !== undefined) return cookiePrincipal(app, request, cookieToken);
  if (header === undefined) throw new ApiError("unauthenticated", "send Authorization: Bearer <session token or API key>");
  const token = /^Bearer (\S+)$/.exec(header)?.[1];
  if (token === undefined || !isWellFormedToken(token)) throw new ApiError("unauthenticated", "malformed Authorization header");
  return tokenPrincipal(app, token);
}

/**
 * The passenger whose live web session the request's cookie holds, or undefined: for a page the
 * server draws for them (a GET, so no CSRF token). Never refuses; an error reading the session is
 * logged and the page is served as for anyone.
 */
export async function cookiePassengerId(app: FastifyInstance, request: FastifyRequest): Promise<string | undefined> {
  const token = request.cookies[SESSION_COOKIE];
  if (token === undefined || !token.startsWith(SESSION_PREFIX) || !isWellFormedToken(token)) return undefined;
  try {
    const principal = await tokenPrincipal(app, token);
    return principal.kind === "passenger" ? principal.passengerId : undefined;
  } catch (error) {
    if (!(error instanceof ApiError)) request.log.warn({ err: error }, "the web session could not be read; the page is served without it");
    return undefined;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A web session (a passenger's or a staff member's): the session token in an HTTP-only cookie. A request that changes
 * something must also carry the session's CSRF token in a header, which another site's page can
 * neither read nor forge (the cookie is also SameSite=Strict: two locks).
 */
async function cookiePrincipal(app: FastifyInstance, request: FastifyRequest, token: string): Promise<Principal> {
  if (!(token.startsWith(SESSION_PREFIX) || token.startsWith(STAFF_SESSION_PREFIX)) || !isWellFormedToken(token))
    throw new ApiError("unauthenticated", "log in again");
  if (!SAFE_METHODS.has(request.method)) {
    const given = Buffer.from(String(request.headers[CSRF_HEADER] ?? ""));
    const expected = Buffer.from(csrfTokenOf(token));
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new ApiError("csrf_failed", "this request did not come from a CabinPay page: reload the page and try again");
  }
  return tokenPrincipal(app, token);
}

async function tokenPrincipal(app: FastifyInstance, token: string): Promise<Principal> {
  const hash = hashToken(token);
  const now = app.infra.now();
  if (token.startsWith(SESSION_PREFIX)) {
    const [session] = await app.db
      .select({ passengerId: sessions.passengerId })
      .from(sessions)
      .where(and(eq(sessions.tokenHash, hash), gt(sessions.expiresAtMs, now)));
    if (session === undefined) throw new ApiError("unauthenticated", "the session has expired or was ended: log in again");
    return { kind: "passenger", passengerId: session.passengerId, sessionHash: hash };
  }
  if (token.startsWith(API_KEY_PREFIX)) {
    const [key] = await app.db
      .select({ id: apiKeys.id, role: apiKeys.role })
      .from(apiKeys)
      .where(and(eq(apiKeys.secretHash, hash), isNull(apiKeys.revokedAtMs)));
    if (key === undefined) throw new ApiError("unauthenticated", "unknown or revoked API key");
    return { kind: "staff", role: key.role, actor: `api-key:${key.id}` };
  }
  if (token.startsWith(STAFF_SESSION_PREFIX)) {
    const [session] = await app.db
      .select({ staffId: staffUsers.id, role: staffUsers.role })
      .from(staffSessions)
      .innerJoin(staffUsers, eq(staffUsers.id, staffSessions.staffId))
      .where(and(eq(staffSessions.tokenHash, hash), gt(staffSessions.expiresAtMs, now), isNull(staffUsers.disabledAtMs)));
    if (session === undefined) throw new ApiError("unauthenticated", "the session has expired or was ended: log in again");
    return { kind: "staff", role: session.role, actor: `staff:${session.staffId}`, sessionHash: hash };
  }
  throw new ApiError("unauthenticated", "unknown token type");
}

async function terminalPrincipal(app: FastifyInstance, request: FastifyRequest): Promise<Principal> {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === "string" ? value : undefined;
  };
  const terminalId = header(TERMINAL_REQUEST_HEADERS.terminalId) ?? "";
  const timestampText = header(TERMINAL_REQUEST_HEADERS.timestampMs) ?? "";
  const nonce = header(TERMINAL_REQUEST_HEADERS.nonce) ?? "";
  const signature = fromBase64Url(header(TERMINAL_REQUEST_HEADERS.signature) ?? "");
  if (!/^[0-9a-f-]{36}$/.test(terminalId) || !/^\d{1,15}$/.test(timestampText) || !NONCE_PATTERN.test(nonce) || signature?.length !== 64) {
    throw new ApiError("bad_request_signature", "missing or malformed terminal signature headers");
  }
  const timestampMs = Number(timestampText);
  const now = app.infra.now();
  if (Math.abs(now - timestampMs) > REQUEST_WINDOW_MS) {
    throw new ApiError("bad_request_signature", "the request time is outside the accepted window: check the terminal clock", {
      serverTimeMs: now,
    });
  }
  const [terminal] = await app.db
    .select({ publicKey: terminals.publicKey, revokedAtMs: terminals.revokedAtMs })
    .from(terminals)
    .where(eq(terminals.id, terminalId));
  if (terminal === undefined) throw new ApiError("bad_request_signature", "unknown terminal: enrol it first");
  const message = terminalRequestMessage(
    {
      method: request.method,
      path: request.url,
      timestampMs,
      nonce,
      body: request.rawBody ?? new Uint8Array(0),
    },
    nodeSha256,
  );
  if (!verifier.verify(signature, message, terminal.publicKey))
    throw new ApiError("bad_request_signature", "the request signature does not match");
  // Checked once the request is known to come from the key: a revoked device learns it, nobody else does.
  if (terminal.revokedAtMs !== null)
    throw new ApiError("terminal_revoked", "ops revoked this terminal (lost or stolen): enrol the device again with a new code");
  // Only a verified request spends its nonce; the primary key refuses a second use.
  const inserted = await app.db.insert(requestNonces).values({ terminalId, nonce, seenAtMs: now }).onConflictDoNothing().returning();
  if (inserted.length === 0) throw new ApiError("request_replayed", "this request was already received");
  return { kind: "terminal", terminalId };
}
