/** Ops close a flight now: once every settlement is done, what is left of every hold is released. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { FlightIdParams } from "../../dto/common.js";
import { errorResponses } from "../../plugins/errors.js";
import { requestClose } from "../../services/flight-close.js";

export async function flightCloseRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    "/ops/flights/:flightId/close",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Close the flight now: once every settlement is done, what is left of every hold is released",
        params: FlightIdParams,
        response: { 202: Type.Object({ status: Type.Literal("closing") }), ...errorResponses(404, 503) },
      },
    },
    async (request, reply) => {
      await requestClose(app.db, app.infra.settlementJobs, request.params.flightId);
      return reply.status(202).send({ status: "closing" as const });
    },
  );
}
