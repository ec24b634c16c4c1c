/** The passenger's statement: what each flight's sales took from their wallet, and what came back. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Statement } from "../../dto/statement.js";
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
          200: Statement,
          ...errorResponses(),
        },
      },
    },
    async (request) => ({ registrations: await statement(app.db, passengerIdOf(request.principal)) }),
  );
}
