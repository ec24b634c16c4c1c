/** The passenger's statement: what each flight's sales took from their wallet, and what came back. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { Currency, TimeMs, Uuid } from "../../dto/common.js";
import { passengerIdOf } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { statement } from "../../services/reconciliation.js";

export async function statementRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/me/statement",
    {
      config: { access: ["passenger"] },
      schema: {
        tags: ["passengers"],
        summary: "What I bought on each flight, what was debited and what hold was released",
        response: {
          200: Type.Object({
            registrations: Type.Array(
              Type.Object({
                registrationId: Uuid,
                flight: Type.Object({
                  carrier: Type.String(),
                  number: Type.String(),
                  date: Type.String(),
                  origin: Type.String(),
                  destination: Type.String(),
                }),
                currency: Currency,
                saleCurrency: Currency,
                rate: Type.Union([Type.Object({ rateMicros: Type.Integer(), source: Type.String(), text: Type.String() }), Type.Null()]),
                capMinor: Type.Integer(),
                status: Type.String(),
                purchases: Type.Array(
                  Type.Object({
                    recordId: Uuid,
                    kind: Type.String(),
                    atMs: TimeMs,
                    items: Type.Array(
                      Type.Object({ sku: Type.String(), name: Type.String(), quantity: Type.Integer(), unitPriceMinor: Type.Integer() }),
                    ),
                    totalMinor: Type.Integer(),
                    settlement: Type.String(),
                    debitedMinor: Type.Integer(),
                    refundedMinor: Type.Integer(),
                  }),
                ),
                debitedMinor: Type.Integer(),
                holdReleasedMinor: Type.Integer(),
                releasedAtMs: Type.Union([TimeMs, Type.Null()]),
              }),
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async (request) => ({ registrations: await statement(app.db, passengerIdOf(request.principal)) }),
  );
}
