/** Ops enrol terminals, put them on a flight's trolley, release trolleys, list and revoke terminals. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { NoContent, TimeMs, TrolleyId, Uuid } from "../../dto/common.js";
import { staffActor } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { createEnrolmentCode, listTerminals, revokeTerminal } from "../../services/terminals.js";
import { assignTerminal, releaseTrolley } from "../../services/trolleys.js";

export async function opsTerminalRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    "/ops/enrolment-codes",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "A one-time code to enrol a terminal (optionally straight onto a trolley of a flight or of every leg of a rotation)",
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 64 }),
            flightId: Type.Optional(Uuid),
            rotationId: Type.Optional(Uuid),
            trolleyId: Type.Optional(TrolleyId),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ code: Type.String(), expiresAtMs: TimeMs }), ...errorResponses(404, 409, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(await createEnrolmentCode(app.db, { ...request.body, nowMs: app.infra.now() })),
  );

  app.put(
    "/ops/flights/:flightId/terminals/:terminalId",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Assign a terminal to a trolley of a flight (one terminal per trolley)",
        params: Type.Object({ flightId: Uuid, terminalId: Uuid }, { additionalProperties: false }),
        body: Type.Object({ trolleyId: TrolleyId }, { additionalProperties: false }),
        response: { 204: NoContent, ...errorResponses(404, 409, 422) },
      },
    },
    async (request, reply) => {
      await assignTerminal(app.db, { ...request.params, trolleyId: request.body.trolleyId, nowMs: app.infra.now() });
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/ops/flights/:flightId/trolleys/:trolleyId/release",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Free a trolley whose terminal broke or was lost, for another terminal (what the old one sold still uploads)",
        params: Type.Object({ flightId: Uuid, trolleyId: TrolleyId }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            released: Type.Union([Type.Object({ terminalId: Uuid, terminalName: Type.String(), assignedAtMs: TimeMs }), Type.Null()]),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => releaseTrolley(app.db, { ...request.params, actor: staffActor(request.principal), nowMs: app.infra.now() }),
  );

  app.get(
    "/ops/terminals",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Enrolled terminals and their flights",
        response: {
          200: Type.Object({
            terminals: Type.Array(
              Type.Object({
                terminalId: Uuid,
                name: Type.String(),
                keyId: Type.String(),
                enrolledAtMs: TimeMs,
                revokedAtMs: Type.Union([TimeMs, Type.Null()]),
                flightIds: Type.Array(Uuid),
              }),
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async () => ({ terminals: await listTerminals(app.db) }),
  );

  app.post(
    "/ops/terminals/:terminalId/revoke",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Revoke a lost or stolen terminal: its key is refused from now on (what it uploaded stays)",
        params: Type.Object({ terminalId: Uuid }, { additionalProperties: false }),
        response: {
          200: Type.Object({ terminalId: Uuid, revokedAtMs: TimeMs, revokedBy: Type.String() }),
          ...errorResponses(404),
        },
      },
    },
    async (request) =>
      revokeTerminal(app.db, { terminalId: request.params.terminalId, actor: staffActor(request.principal), nowMs: app.infra.now() }),
  );
}
