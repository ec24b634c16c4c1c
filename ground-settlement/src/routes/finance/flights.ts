/** Finance's flight list, each flight's reconciliation (JSON and CSV) and a rotation's stock. */
import { CARRIER_PATTERN_TEXT } from "@cabinpay/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { FlightIdParams, Uuid } from "../../dto/common.js";
import { CabinCounter, FlightList, Reconciliation, Status, StockLine } from "../../dto/finance.js";
import { errorResponses } from "../../plugins/errors.js";
import { checkCounters } from "../../services/cabin-counters.js";
import { flightSummaries } from "../../services/flight-status.js";
import { flightView, getFlight } from "../../services/flights.js";
import { rotationStock } from "../../services/leg-stock.js";
import { catalogNames, reconcileFlight, reconciliationCsv } from "../../services/reconciliation.js";
import { getRotation } from "../../services/rotations.js";

export async function financeFlightRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/finance/rotations/:rotationId/stock",
    {
      config: { access: ["finance", "ops"] },
      schema: {
        tags: ["finance"],
        summary: "Stock sold against loaded per leg and over the rotation (units; loaded = sold + offloaded at re-stocks + left)",
        params: Type.Object({ rotationId: Uuid }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            legs: Type.Array(Type.Object({ flightId: Uuid, stockCarried: Type.Boolean(), stock: Type.Array(StockLine) })),
            totals: Type.Object({
              loadedByOps: Type.Integer(),
              sold: Type.Integer(),
              offloadedAtRestock: Type.Integer(),
              leftAtEnd: Type.Integer(),
            }),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const rotation = await getRotation(app.db, request.params.rotationId);
      return rotationStock(
        app.db,
        rotation.legs.map((leg) => leg.flightId),
      );
    },
  );

  app.get(
    "/finance/flights",
    {
      config: { access: ["finance", "ops"] },
      schema: {
        tags: ["finance"],
        summary: "Flights with their settlement status, newest first",
        querystring: Type.Object(
          {
            date: Type.Optional(Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" })),
            carrier: Type.Optional(Type.String({ pattern: CARRIER_PATTERN_TEXT })),
            status: Type.Optional(Status),
          },
          { additionalProperties: false },
        ),
        response: {
          200: FlightList,
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const { date, carrier, status } = request.query;
      const summaries = await flightSummaries(app.db, {
        ...(date === undefined ? {} : { date }),
        ...(carrier === undefined ? {} : { carrier }),
        ...(status === undefined ? {} : { status }),
      });
      return {
        flights: summaries.map(({ flight, ...summary }) => {
          const { flightId, carrier, number, date, origin, destination, currency, departureAtMs } = flightView(flight);
          return { flight: { flightId, carrier, number, date, origin, destination, currency, departureAtMs }, ...summary };
        }),
      };
    },
  );

  app.get(
    "/finance/flights/:flightId/reconciliation",
    {
      config: { access: ["finance", "ops"] },
      schema: {
        tags: ["finance"],
        summary: "A flight's reconciliation per currency, terminal, crew and trolley",
        params: FlightIdParams,
        response: { 200: Reconciliation, ...errorResponses(404) },
      },
    },
    async (request) => {
      const { records: _records, ...report } = await reconcileFlight(app.db, request.params.flightId);
      return report;
    },
  );

  app.get(
    "/finance/flights/:flightId/cabin-counters",
    {
      config: { access: ["finance", "ops"] },
      schema: {
        tags: ["finance"],
        summary:
          "Each terminal's newest cabin-sync counters the terminals brought down, checked against the ground's records of it: agrees, waiting for records, or disagrees",
        params: FlightIdParams,
        response: { 200: Type.Object({ counters: Type.Array(CabinCounter) }), ...errorResponses(404) },
      },
    },
    async (request) => {
      await getFlight(app.db, request.params.flightId);
      return { counters: await checkCounters(app.db, request.params.flightId) };
    },
  );

  app.get(
    "/finance/flights/:flightId/reconciliation.csv",
    {
      config: { access: ["finance", "ops"] },
      schema: {
        tags: ["finance"],
        summary: "One line per record with its settlement (text/csv)",
        params: FlightIdParams,
        response: { 200: Type.Unsafe<string>({ type: "string", description: "text/csv" }), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const report = await reconcileFlight(app.db, request.params.flightId);
      const csv = reconciliationCsv(report, await catalogNames(app.db, request.params.flightId));
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="reconciliation-${request.params.flightId}.csv"`)
        .send(csv);
    },
  );
}
