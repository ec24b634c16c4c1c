/** Anyone may look a flight up (the passenger pages, the terminal before it loads). */
import { CARRIER_PATTERN_TEXT, FLIGHT_NUMBER_PATTERN_TEXT } from "@cabinpay/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { FlightIdParams } from "../../dto/common.js";
import { FlightDate, FlightWithRates } from "../../dto/flights.js";
import { errorResponses } from "../../plugins/errors.js";
import { type Flight, findFlights, flightView, getFlight } from "../../services/flights.js";
import { ratesOf } from "../../services/rates.js";

export async function publicFlightRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const withRates = async (flight: Flight) => ({ ...flightView(flight), rates: await ratesOf(app.db, flight.id) });

  app.get(
    "/flights",
    {
      config: { access: ["public"] },
      schema: {
        tags: ["flights"],
        summary: "Find a flight by carrier, number and date",
        querystring: Type.Object(
          {
            carrier: Type.String({ pattern: CARRIER_PATTERN_TEXT }),
            number: Type.String({ pattern: FLIGHT_NUMBER_PATTERN_TEXT }),
            date: Type.Optional(FlightDate),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ flights: Type.Array(FlightWithRates) }), ...errorResponses() },
      },
    },
    async (request) => {
      const found = await findFlights(app.db, request.query);
      const flights = [];
      for (const flight of found) flights.push(await withRates(flight));
      return { flights };
    },
  );

  app.get(
    "/flights/:flightId",
    {
      config: { access: ["public"] },
      schema: {
        tags: ["flights"],
        summary: "One flight, with its rates",
        params: FlightIdParams,
        response: { 200: FlightWithRates, ...errorResponses(404) },
      },
    },
    async (request) => withRates(await getFlight(app.db, request.params.flightId)),
  );
}
