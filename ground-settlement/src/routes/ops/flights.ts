/** Ops create flights and load their catalog, stock, crew and rates. */
import { type ExchangeRate, MANIFEST_RATES_MAX, RATE_MICROS_MAX, RATE_SOURCE_BYTES_MAX } from "@cabinpay/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { AmountMinor, CodePolicy, Currency, FlightIdParams, SpendPolicy, TimeMs } from "../../dto/common.js";
import { Airport, CatalogItemJson, FlightBody, FlightDate, FlightSetup } from "../../dto/flights.js";
import { ApiError } from "../../errors.js";
import { staffActor } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { flightSetup } from "../../services/flight-setup.js";
import {
  catalogFromCsv,
  catalogProblems,
  createFlight,
  flightView,
  getFlight,
  invalidCatalog,
  replaceCatalog,
  setCodePolicy,
  setCrew,
  setSpendPolicy,
} from "../../services/flights.js";
import { setRates } from "../../services/rates.js";

const Rate = Type.Object(
  {
    currency: Currency,
    rateMicros: Type.Integer({ minimum: 1, maximum: RATE_MICROS_MAX, description: "account minor units per 1,000,000 sale minor units" }),
    source: Type.String({ minLength: 1, maxLength: RATE_SOURCE_BYTES_MAX }),
  },
  { additionalProperties: false },
);

export async function opsFlightRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    "/ops/flights",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Create a flight",
        body: Type.Object(
          {
            carrier: Type.String({ minLength: 2, maxLength: 3 }),
            number: Type.String({ minLength: 1, maxLength: 5 }),
            date: FlightDate,
            origin: Airport,
            destination: Airport,
            currency: Currency,
            departureAtMs: TimeMs,
            capMinorMax: AmountMinor,
            registrationClosesAtMs: Type.Optional(TimeMs),
            codePolicy: Type.Optional(CodePolicy),
            spendPolicy: Type.Optional(SpendPolicy),
          },
          { additionalProperties: false },
        ),
        response: { 201: FlightBody, ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.status(201).send(flightView(await createFlight(app.db, request.body, app.infra.now()))),
  );

  app.put(
    "/ops/flights/:flightId/code-policy",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "What pays on board: printed vouchers too, or phones' live codes only (manifests from now on carry it)",
        params: FlightIdParams,
        body: Type.Object({ codePolicy: CodePolicy }, { additionalProperties: false }),
        response: { 200: FlightBody, ...errorResponses(404) },
      },
    },
    async (request) => flightView(await setCodePolicy(app.db, request.params.flightId, request.body.codePolicy)),
  );

  app.put(
    "/ops/flights/:flightId/spend-policy",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "What a trolley may approve while it cannot hear the others: the cap, or its share (manifests from now on carry it)",
        params: FlightIdParams,
        body: Type.Object({ spendPolicy: SpendPolicy }, { additionalProperties: false }),
        response: { 200: FlightBody, ...errorResponses(404) },
      },
    },
    async (request) => flightView(await setSpendPolicy(app.db, request.params.flightId, request.body.spendPolicy)),
  );

  app.get(
    "/ops/flights/:flightId/setup",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "What is set on a flight: catalog with each trolley's opening stock, crew roster (never PINs), terminals on trolleys",
        params: FlightIdParams,
        response: { 200: FlightSetup, ...errorResponses(404) },
      },
    },
    async (request) => flightSetup(app.db, request.params.flightId),
  );

  app.put(
    "/ops/flights/:flightId/catalog",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Load the catalog and trolley stock (JSON, or the airline CSV as text/csv); all lines or none",
        params: FlightIdParams,
        body: Type.Union([
          Type.Object({ items: Type.Array(CatalogItemJson, { maxItems: 2000 }) }, { additionalProperties: false }),
          Type.String({ maxLength: 2_000_000 }),
        ]),
        response: { 200: Type.Object({ items: Type.Integer(), trolleys: Type.Array(Type.String()) }), ...errorResponses(404, 422) },
      },
    },
    async (request) => {
      const flight = await getFlight(app.db, request.params.flightId);
      const body = request.body;
      let entries: ReturnType<typeof catalogFromCsv>;
      if (typeof body === "string") {
        if (!String(request.headers["content-type"]).startsWith("text/csv"))
          throw new ApiError("unsupported_media_type", "send JSON or text/csv");
        entries = catalogFromCsv(body, flight.currency);
      } else {
        entries = body.items;
        const problems = catalogProblems(entries, (index) => index + 1);
        if (problems.length > 0) throw invalidCatalog(problems);
      }
      return replaceCatalog(app.db, flight.id, entries);
    },
  );

  app.put(
    "/ops/flights/:flightId/crew",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Set the crew roster; PINs are turned into verifiers and never stored",
        params: FlightIdParams,
        body: Type.Object(
          {
            crew: Type.Array(
              Type.Object(
                {
                  crewId: Type.String({ maxLength: 64 }),
                  name: Type.String({ maxLength: 128 }),
                  role: Type.Union([Type.Literal("crew"), Type.Literal("purser")]),
                  pin: Type.String({ pattern: "^\\d{4,8}$" }),
                },
                { additionalProperties: false },
              ),
              { maxItems: 64 },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ crew: Type.Integer() }), ...errorResponses(404, 422) },
      },
    },
    async (request) => setCrew(app.db, request.params.flightId, request.body.crew),
  );

  app.put(
    "/ops/flights/:flightId/rates",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary:
          "Set the rates from the flight's currency into other account currencies (a CNY voucher on a HKD leg); fixed once a manifest went out",
        params: FlightIdParams,
        body: Type.Object({ rates: Type.Array(Rate, { maxItems: MANIFEST_RATES_MAX }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ rates: Type.Array(Rate) }), ...errorResponses(404, 409) },
      },
    },
    async (request) => ({
      rates: await setRates(app.db, {
        flightId: request.params.flightId,
        rates: request.body.rates as ExchangeRate[],
        actor: staffActor(request.principal),
        nowMs: app.infra.now(),
      }),
    }),
  );
}
