/** What a passenger still owes from earlier flights, and paying it from their wallet now. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { Currency, TimeMs, Uuid } from "../../dto/common.js";
import { passengerIdOf } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { payShortfall, shortfallsOf } from "../../services/shortfalls.js";

const Owed = Type.Object({
  recordId: Uuid,
  currency: Currency,
  owedMinor: Type.Integer(),
  carrier: Type.String(),
  number: Type.String(),
  date: Type.String(),
  atMs: TimeMs,
});

export async function shortfallRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/me/shortfalls",
    {
      config: { access: ["passenger"] },
      schema: {
        tags: ["passengers"],
        summary: "What I still owe from earlier flights: sales my hold and balance did not cover",
        response: { 200: Type.Object({ owed: Type.Array(Owed) }), ...errorResponses() },
      },
    },
    async (request) => ({ owed: await shortfallsOf(app.db, passengerIdOf(request.principal)) }),
  );

  app.post(
    "/me/shortfalls/:recordId/pay",
    {
      config: { access: ["passenger"] },
      schema: {
        tags: ["passengers"],
        summary: "Pay one of my shortfalls from my wallet now (what the wallet has, up to what is owed)",
        params: Type.Object({ recordId: Uuid }, { additionalProperties: false }),
        response: { 200: Type.Object({ collectedMinor: Type.Integer(), outstandingMinor: Type.Integer() }), ...errorResponses(404, 422) },
      },
    },
    async (request) =>
      payShortfall(app.db, { passengerId: passengerIdOf(request.principal), recordId: request.params.recordId, nowMs: app.infra.now() }),
  );
}
