/** A terminal enrols with a one-time code, reads what it is assigned and downloads the signed manifests. */
import { fromBase64Url, keyIdOf, toBase64Url } from "@cabinpay/shared";
import { AssignmentsAnswer, EnrolAnswer, EnrolRequest } from "@cabinpay/shared/wire";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { FlightIdParams } from "../../dto/common.js";
import { ApiError } from "../../errors.js";
import { terminalIdOf } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { enrolmentRateLimit } from "../../plugins/web-security.js";
import { deviceCertificate } from "../../services/device-certificates.js";
import { trustListFor } from "../../services/issuer-keys.js";
import { buildManifest } from "../../services/manifests.js";
import { enrol } from "../../services/terminals.js";
import { assignmentsOf, requireAssignment } from "../../services/trolleys.js";

export async function terminalEnrolmentRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

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
        deviceCertificate: await deviceCertificate(app.db, app.infra.keys, terminal.terminalId, nowMs),
      });
    },
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
    async (request) => {
      const terminalId = terminalIdOf(request.principal);
      const nowMs = app.infra.now();
      return {
        assignments: await assignmentsOf(app.db, terminalId, nowMs),
        deviceCertificate: await deviceCertificate(app.db, app.infra.keys, terminalId, nowMs),
      };
    },
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
