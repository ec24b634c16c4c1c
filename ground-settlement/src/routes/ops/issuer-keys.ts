/** Ops list, rotate and revoke the keys vouchers are signed with. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { TimeMs } from "../../dto/common.js";
import { staffActor } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { listIssuerKeys, revokeIssuerKey, rotateIssuerKey } from "../../services/issuer-keys.js";

const IssuerKey = Type.Object({
  keyId: Type.String(),
  status: Type.String(),
  createdAtMs: TimeMs,
  retiredAtMs: Type.Union([TimeMs, Type.Null()]),
  revokedAtMs: Type.Union([TimeMs, Type.Null()]),
});

export async function issuerKeyRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/ops/issuer-keys",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Voucher issuer keys",
        response: { 200: Type.Object({ keys: Type.Array(IssuerKey) }), ...errorResponses() },
      },
    },
    async () => ({ keys: await listIssuerKeys(app.db) }),
  );

  app.post(
    "/ops/issuer-keys/rotate",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Start signing vouchers with a new key; the old one stays trusted",
        response: { 201: Type.Object({ keyId: Type.String() }), ...errorResponses() },
      },
    },
    async (_request, reply) => reply.status(201).send({ keyId: await rotateIssuerKey(app.db, app.infra.keys, app.infra.now()) }),
  );

  app.post(
    "/ops/issuer-keys/:keyId/revoke",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary:
          "Revoke a leaked issuer key: it leaves every trust list now, vouchers under it are refused, open registrations get a new voucher",
        params: Type.Object({ keyId: Type.String({ pattern: "^[0-9a-f]{16}$" }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            keyId: Type.String(),
            revokedAtMs: TimeMs,
            revokedBy: Type.String(),
            activeKeyId: Type.String(),
            reissued: Type.Integer({ minimum: 0 }),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) =>
      revokeIssuerKey(app.db, app.infra.keys, {
        keyId: request.params.keyId,
        actor: staffActor(request.principal),
        nowMs: app.infra.now(),
      }),
  );
}
