/** Ops top up a passenger's wallet. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { PASSWORD_LENGTH } from "../../auth/passwords.js";
import { AmountMinor, Currency, TimeMs, Uuid } from "../../dto/common.js";
import { staffActor } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { fundPassengerWallet } from "../../services/passengers.js";

const _Password = Type.String({ minLength: PASSWORD_LENGTH.min, maxLength: PASSWORD_LENGTH.max });
const _SessionBody = Type.Object({ passengerId: Uuid, token: Type.String(), expiresAtMs: TimeMs });
const Wallet = Type.Object({ currency: Currency, postedMinor: Type.Integer(), heldMinor: Type.Integer(), availableMinor: Type.Integer() });

export async function walletRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

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
