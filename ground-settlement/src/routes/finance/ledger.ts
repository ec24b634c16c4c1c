/** Finance's view of the ledger: the per-currency proof that it balances. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { Currency } from "../../dto/common.js";
import { errorResponses } from "../../plugins/errors.js";
import { ledgerProof } from "../../services/ledger-proof.js";

export async function financeRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/finance/ledger",
    {
      config: { access: ["finance", "ops"] },
      schema: {
        tags: ["finance"],
        summary:
          "Per-currency sums over all accounts (both zero when the ledger balances) and accounts whose totals disagree with their transfers",
        response: {
          200: Type.Object({
            balanced: Type.Boolean(),
            currencies: Type.Array(Type.Object({ currency: Currency, postedSumMinor: Type.Integer(), pendingSumMinor: Type.Integer() })),
            accountsOutOfBalance: Type.Array(Type.String()),
          }),
          ...errorResponses(),
        },
      },
    },
    async () => ledgerProof(app.db),
  );
}
