/** Finance's flight list and reconciliation (JSON and CSV), and the passenger's statement. */
import { CARRIER_PATTERN_TEXT } from "@cabinpay/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { Currency, FlightIdParams, TimeMs, Uuid } from "../dto/common.js";
import { FlightList, Reconciliation, Status, StockLine } from "../dto/finance.js";
import { passengerIdOf } from "../plugins/access.js";
import { errorResponses } from "../plugins/errors.js";
import { flightSummaries } from "../services/flight-status.js";
import { flightView } from "../services/flights.js";
import { rotationStock } from "../services/leg-stock.js";
import { catalogNames, reconcileFlight, reconciliationCsv, statement } from "../services/reconciliation.js";
import { getRotation } from "../services/rotations.js";

export async function reconciliationRoutes(base: FastifyInstance): Promise<void> {
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
          const { flightId, carrier, number, date, currency, departureAtMs } = flightView(flight);
          return { flight: { flightId, carrier, number, date, currency, departureAtMs }, ...summary };
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
