/**
 * Sessions for the web pages, of passengers and of ops and finance staff: the session token goes
 * into an HTTP-only, SameSite=Strict cookie (Secure when served over HTTPS), never into the page;
 * the page gets the session's CSRF token instead, to send back on requests that change something.
 * One browser holds one session: logging in as someone else replaces it.
 */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { PASSWORD_LENGTH } from "../../auth/passwords.js";
import { csrfTokenOf } from "../../auth/tokens.js";
import { Email, NoContent, TimeMs, Uuid } from "../../dto/common.js";
import { ApiError } from "../../errors.js";
import { errorResponses } from "../../plugins/errors.js";
import { loginRateLimit, SESSION_COOKIE } from "../../plugins/web-security.js";
import { logIn, logOut, SESSION_TTL_MS } from "../../services/passengers.js";
import { STAFF_SESSION_TTL_MS, staffLogIn, staffLogOut } from "../../services/staff.js";

const WebSession = Type.Object({ passengerId: Uuid, csrfToken: Type.String() });
const StaffWebSession = Type.Object({ role: Type.String(), displayName: Type.String(), csrfToken: Type.String() });
const NewWebSession = Type.Object({ passengerId: Uuid, csrfToken: Type.String(), expiresAtMs: TimeMs });

export async function webSessionRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const secure = (request: FastifyRequest) => request.protocol === "https";
  const setCookie = (request: FastifyRequest, reply: FastifyReply, token: string, ttlMs: number) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "strict",
      secure: secure(request),
      path: "/",
      maxAge: Math.floor(ttlMs / 1000),
    });

  const cookieOrBearerToken = (request: FastifyRequest) =>
    request.cookies[SESSION_COOKIE] ?? /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1];

  app.post(
    "/web/staff-session",
    {
      config: { access: ["public"], rateLimit: loginRateLimit(app) },
      schema: {
        tags: ["web"],
        summary: "Staff log in from a web page: sets the session cookie, answers with the role and CSRF token",
        body: Type.Object(
          { email: Email, password: Type.String({ minLength: 1, maxLength: PASSWORD_LENGTH.max }) },
          { additionalProperties: false },
        ),
        response: { 201: StaffWebSession, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const session = await staffLogIn(app.db, { ...request.body, nowMs: app.infra.now(), costLog2N: app.infra.passwordCostLog2N });
      setCookie(request, reply, session.token, STAFF_SESSION_TTL_MS);
      return reply.status(201).send({ role: session.role, displayName: session.displayName, csrfToken: csrfTokenOf(session.token) });
    },
  );

  app.get(
    "/web/staff-session",
    {
      config: { access: ["ops", "finance"] },
      schema: {
        tags: ["web"],
        summary: "The current staff web session: role and CSRF token",
        response: { 200: Type.Object({ role: Type.String(), csrfToken: Type.String() }), ...errorResponses() },
      },
    },
    async (request) => {
      const token = cookieOrBearerToken(request);
      if (request.principal.kind !== "staff" || token === undefined) throw new ApiError("unauthenticated", "log in on this page first");
      return { role: request.principal.role, csrfToken: csrfTokenOf(token) };
    },
  );

  app.delete(
    "/web/staff-session",
    {
      config: { access: ["ops", "finance"] },
      schema: { tags: ["web"], summary: "Staff log out from a web page", response: { 204: NoContent, ...errorResponses() } },
    },
    async (request, reply) => {
      if (request.principal.kind === "staff" && request.principal.sessionHash !== undefined)
        await staffLogOut(app.db, request.principal.sessionHash);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/web/session",
    {
      config: { access: ["public"], rateLimit: loginRateLimit(app) },
      schema: {
        tags: ["web"],
        summary: "Log in from a web page: sets the session cookie, answers with the CSRF token",
        body: Type.Object(
          { email: Email, password: Type.String({ minLength: 1, maxLength: PASSWORD_LENGTH.max }) },
          { additionalProperties: false },
        ),
        response: { 201: NewWebSession, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const session = await logIn(app.db, { ...request.body, nowMs: app.infra.now(), costLog2N: app.infra.passwordCostLog2N });
      setCookie(request, reply, session.token, SESSION_TTL_MS);
      return reply
        .status(201)
        .send({ passengerId: session.passengerId, csrfToken: csrfTokenOf(session.token), expiresAtMs: session.expiresAtMs });
    },
  );

  app.get(
    "/web/session",
    {
      config: { access: ["passenger"] },
      schema: { tags: ["web"], summary: "The current web session and its CSRF token", response: { 200: WebSession, ...errorResponses() } },
    },
    async (request) => {
      // The token the session was proven with: the cookie in a browser, else a bearer header.
      const token = cookieOrBearerToken(request);
      if (request.principal.kind !== "passenger" || token === undefined) throw new ApiError("unauthenticated", "log in on this page first");
      return { passengerId: request.principal.passengerId, csrfToken: csrfTokenOf(token) };
    },
  );

  app.delete(
    "/web/session",
    {
      config: { access: ["passenger"] },
      schema: { tags: ["web"], summary: "Log out from a web page", response: { 204: NoContent, ...errorResponses() } },
    },
    async (request, reply) => {
      if (request.principal.kind === "passenger") await logOut(app.db, request.principal.sessionHash);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.status(204).send(null);
    },
  );
}
