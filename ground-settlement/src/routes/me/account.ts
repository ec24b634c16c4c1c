/** A passenger signs up, logs in and out, and reads their profile and wallets. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { PASSWORD_LENGTH } from "../../auth/passwords.js";
import { Currency, Email, NoContent, TimeMs, Uuid } from "../../dto/common.js";
import { passengerIdOf } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { loginRateLimit } from "../../plugins/web-security.js";
import { logIn, logOut, profile, signUp } from "../../services/passengers.js";

const Password = Type.String({ minLength: PASSWORD_LENGTH.min, maxLength: PASSWORD_LENGTH.max });
const SessionBody = Type.Object({ passengerId: Uuid, token: Type.String(), expiresAtMs: TimeMs });
const Wallet = Type.Object({ currency: Currency, postedMinor: Type.Integer(), heldMinor: Type.Integer(), availableMinor: Type.Integer() });

export async function accountRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    "/passengers",
    {
      config: { access: ["public"], rateLimit: loginRateLimit(app) },
      schema: {
        tags: ["passengers"],
        summary: "Sign up; answers with a session",
        body: Type.Object(
          { email: Email, password: Password, displayName: Type.String({ minLength: 1, maxLength: 80, pattern: "\\S" }) },
          { additionalProperties: false },
        ),
        response: { 201: SessionBody, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const session = await signUp(app.db, { ...request.body, nowMs: app.infra.now(), costLog2N: app.infra.passwordCostLog2N });
      return reply.status(201).send(session);
    },
  );

  app.post(
    "/sessions",
    {
      config: { access: ["public"], rateLimit: loginRateLimit(app) },
      schema: {
        tags: ["passengers"],
        summary: "Log in",
        body: Type.Object(
          { email: Email, password: Type.String({ minLength: 1, maxLength: PASSWORD_LENGTH.max }) },
          { additionalProperties: false },
        ),
        response: { 201: SessionBody, ...errorResponses() },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await logIn(app.db, { ...request.body, nowMs: app.infra.now(), costLog2N: app.infra.passwordCostLog2N })),
  );

  app.delete(
    "/sessions/current",
    {
      config: { access: ["passenger"] },
      schema: { tags: ["passengers"], summary: "Log out", response: { 204: NoContent, ...errorResponses() } },
    },
    async (request, reply) => {
      if (request.principal.kind === "passenger") await logOut(app.db, request.principal.sessionHash);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/me",
    {
      config: { access: ["passenger"] },
      schema: {
        tags: ["passengers"],
        summary: "Profile and wallet balances",
        response: {
          200: Type.Object({ passengerId: Uuid, email: Type.String(), displayName: Type.String(), wallets: Type.Array(Wallet) }),
          ...errorResponses(),
        },
      },
    },
    async (request) => profile(app.db, passengerIdOf(request.principal)),
  );
}
