/** Terminal enrolment, flight assignment, and the signed manifest terminals load before departure. */
import { fromBase64Url, keyIdOf, toBase64Url } from "@cabinpay/shared";
import { AssignmentsAnswer, EnrolAnswer, EnrolRequest } from "@cabinpay/shared/wire";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { FlightIdParams, NoContent, TimeMs, TrolleyId, Uuid } from "../dto/common.js";
import { ApiError } from "../errors.js";
import { staffActor, terminalIdOf } from "../plugins/access.js";
import { errorResponses } from "../plugins/errors.js";
import { enrolmentRateLimit } from "../plugins/web-security.js";
import { trustListFor } from "../services/issuer-keys.js";
import { buildManifest } from "../services/manifests.js";
import { createEnrolmentCode, enrol, listTerminals, revokeTerminal } from "../services/terminals.js";
import { assignmentsOf, assignTerminal, releaseTrolley, requireAssignment } from "../services/trolleys.js";

export async function terminalRoutes(base: FastifyInstance): Promise<void> {
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

  app.post(
    "/terminals/enrol",
    {
      config: { access: ["public"], rateLimit: enrolmentRateLimit(app) },
      schema: {
        tags: ["terminals"],
        summary: "Enrol with a one-time code and the device public key; answers with the keys to pin and trust",
        body: EnrolRequest,
        response: { 201: EnrolAnswer, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const publicKey = fromBase64Url(request.body.publicKey);
      if (publicKey === undefined) throw new ApiError("validation_failed", "publicKey: base64url of 32 bytes");
      const nowMs = app.infra.now();
      const terminal = await enrol(app.db, { code: request.body.code, publicKey, nowMs });
      const trusted = await trustListFor(app.db, app.infra.keys, nowMs);
      const manifestKey = app.infra.keys.manifestSigner.publicKey;
      return reply.status(201).send({
        ...terminal,
        assignments: await assignmentsOf(app.db, terminal.terminalId, nowMs),
        manifestPublicKey: toBase64Url(manifestKey),
        manifestKeyId: keyIdOf(manifestKey),
        trustedIssuerKeys: trusted.map(toBase64Url),
      });
    },
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
    "/terminal/assignments",
    {
      config: { access: ["terminal"] },
      schema: {
        tags: ["terminals"],
        summary: "The flights (and rotation legs) this terminal is to load, with its trolley on each; signed terminal request",
        security: [{ terminal: [] }],
        response: { 200: AssignmentsAnswer, ...errorResponses() },
      },
    },
    async (request) => ({ assignments: await assignmentsOf(app.db, terminalIdOf(request.principal), app.infra.now()) }),
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

  app.get(
    "/terminal/flights/:flightId/manifest",
    {
      config: { access: ["terminal"] },
      schema: {
        tags: ["terminals"],
        summary: "The signed flight manifest (binary, docs/protocol.md); signed terminal request",
        security: [{ terminal: [] }],
        params: FlightIdParams,
        response: { 200: Type.Unsafe<Buffer>({ type: "string", format: "binary" }), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      if (request.principal.kind !== "terminal") throw new ApiError("forbidden", "terminals only");
      await requireAssignment(app.db, request.principal.terminalId, request.params.flightId);
      const manifest = await buildManifest(app.db, app.infra.keys, request.params.flightId, app.infra.now());
      reply.header("x-cabinpay-manifest-id", manifest.manifestId);
      return reply.type("application/octet-stream").send(Buffer.from(manifest.bytes));
    },
  );
}
