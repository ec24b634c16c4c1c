/** Rotations: ops plan an aircraft's legs of a day, put terminals on its trolleys, and take its manifests to the gate in one file. */
import { ROTATION_BUNDLE_FORMAT, toBase64Url } from "@cabinpay/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { NoContent, TimeMs, TrolleyId, Uuid } from "../../dto/common.js";
import { staffActor } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { buildManifest } from "../../services/manifests.js";
import { createRotation, getRotation, listRotations } from "../../services/rotations.js";
import { assignTerminal } from "../../services/trolleys.js";

const RotationDate = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" });
const RotationView = Type.Object({
  rotationId: Uuid,
  aircraft: Type.String(),
  date: RotationDate,
  legs: Type.Array(
    Type.Object({
      legNumber: Type.Integer(),
      flightId: Uuid,
      carrier: Type.String(),
      number: Type.String(),
      date: RotationDate,
      origin: Type.String(),
      destination: Type.String(),
      currency: Type.String(),
      departureAtMs: TimeMs,
      stockCarried: Type.Boolean(),
      trolleys: Type.Array(
        Type.Object({
          trolleyId: Type.String(),
          terminalId: Type.Union([Uuid, Type.Null()]),
          terminalName: Type.Union([Type.String(), Type.Null()]),
        }),
      ),
    }),
  ),
});
const RotationParams = Type.Object({ rotationId: Uuid }, { additionalProperties: false });

export async function rotationRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    "/ops/rotations",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Plan a rotation: an aircraft, a day, and its flights in the order flown",
        body: Type.Object(
          {
            aircraft: Type.String({ minLength: 2, maxLength: 10 }),
            date: RotationDate,
            flightIds: Type.Array(Uuid, { minItems: 2, maxItems: 8 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: RotationView, ...errorResponses(404, 409, 422) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createRotation(app.db, { ...request.body, actor: staffActor(request.principal), nowMs: app.infra.now() })),
  );

  app.get(
    "/ops/rotations",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Rotations, of one day if asked",
        querystring: Type.Object({ date: Type.Optional(RotationDate) }, { additionalProperties: false }),
        response: { 200: Type.Object({ rotations: Type.Array(RotationView) }), ...errorResponses() },
      },
    },
    async (request) => ({ rotations: await listRotations(app.db, request.query) }),
  );

  app.get(
    "/ops/rotations/:rotationId",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "One rotation, its legs and who holds each trolley",
        params: RotationParams,
        response: { 200: RotationView, ...errorResponses(404) },
      },
    },
    async (request) => getRotation(app.db, request.params.rotationId),
  );

  app.put(
    "/ops/rotations/:rotationId/trolleys/:trolleyId",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Put a terminal on a trolley for every leg of the rotation (one terminal per trolley)",
        params: Type.Object({ rotationId: Uuid, trolleyId: TrolleyId }, { additionalProperties: false }),
        body: Type.Object({ terminalId: Uuid }, { additionalProperties: false }),
        response: { 204: NoContent, ...errorResponses(404, 409, 422) },
      },
    },
    async (request, reply) => {
      await assignTerminal(app.db, { ...request.params, terminalId: request.body.terminalId, nowMs: app.infra.now() });
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/ops/rotations/:rotationId/manifests",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Every leg's signed manifest in one file, for a terminal loaded at a gate with no connection",
        params: RotationParams,
        response: {
          200: Type.Object({
            format: Type.Literal(ROTATION_BUNDLE_FORMAT),
            rotationId: Uuid,
            aircraft: Type.String(),
            manifests: Type.Array(Type.String()),
          }),
          ...errorResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const rotation = await getRotation(app.db, request.params.rotationId);
      const nowMs = app.infra.now();
      const manifests: string[] = [];
      for (const leg of rotation.legs)
        manifests.push(toBase64Url((await buildManifest(app.db, app.infra.keys, leg.flightId, nowMs)).bytes));
      reply.header("content-disposition", `attachment; filename="rotation-${rotation.aircraft}-${rotation.date}.json"`);
      return { format: ROTATION_BUNDLE_FORMAT, rotationId: rotation.rotationId, aircraft: rotation.aircraft, manifests };
    },
  );
}
