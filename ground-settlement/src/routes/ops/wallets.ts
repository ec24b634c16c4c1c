/** Ops find a passenger's account by e-mail and top up its wallet. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { AmountMinor, Currency, Email, Uuid } from "../../dto/common.js";
import { staffActor } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { fundPassengerWallet, passengerByEmail } from "../../services/passengers.js";

const Wallet = Type.Object({ currency: Currency, postedMinor: Type.Integer(), heldMinor: Type.Integer(), availableMinor: Type.Integer() });

export async function walletRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/ops/passengers",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "A passenger's account and wallets, found by e-mail (to add money to it)",
        querystring: Type.Object({ email: Email }, { additionalProperties: false }),
        response: {
          200: Type.Object({ passengerId: Uuid, email: Type.String(), displayName: Type.String(), wallets: Type.Array(Wallet) }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => passengerByEmail(app.db, request.query.email),
  );

  app.post(
    "/ops/wallets/fund",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Top up a passenger's wallet (idempotent on transferId)",
        body: Type.Object(
          { transferId: Uuid, passengerId: Uuid, currency: Currency, amountMinor: AmountMinor },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ status: Type.Union([Type.Literal("created"), Type.Literal("exists")]), wallet: Wallet }),
          ...errorResponses(404, 409, 422),
        },
      },
    },
    async (request) => fundPassengerWallet(app.db, { ...request.body, actor: staffActor(request.principal), nowMs: app.infra.now() }),
  );
}
