/**
 * Passenger sessions for the web pages: the session token goes into an HTTP-only, SameSite=Strict
 * cookie (Secure when served over HTTPS), never into the page; the page gets the session's CSRF
 * token instead, to send back on requests that change something.
 */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { PASSWORD_LENGTH } from "../auth/passwords.js";
import { csrfTokenOf } from "../auth/tokens.js";
import { ApiError } from "../errors.js";
import { errorResponses } from "../plugins/errors.js";
import { loginRateLimit, SESSION_COOKIE } from "../plugins/web-security.js";
import { logIn, logOut, SESSION_TTL_MS } from "../services/passengers.js";
import { Email, NoContent, TimeMs, Uuid } from "./schemas.js";

const WebSession = Type.Object({ passengerId: Uuid, csrfToken: Type.String() });
const NewWebSession = Type.Object({ passengerId: Uuid, csrfToken: Type.String(), expiresAtMs: TimeMs });

export async function webSessionRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const secure = (request: FastifyRequest) => request.protocol === "https";
  const setCookie = (request: FastifyRequest, reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "strict",
      secure: secure(request),
      path: "/",
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });

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
      const session = await logIn(app.db, { ...request.body, nowMs: app.infra.now() });
      setCookie(request, reply, session.token);
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
      const token = request.cookies[SESSION_COOKIE] ?? /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1];
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
