/** Flights: ops create them and load catalog, stock and crew; anyone can look a flight up. */
import {
  CARRIER_PATTERN_TEXT,
  type ExchangeRate,
  FLIGHT_NUMBER_PATTERN_TEXT,
  MANIFEST_RATES_MAX,
  RATE_MICROS_MAX,
  RATE_SOURCE_BYTES_MAX,
} from "@cabinpay/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { AmountMinor, Currency, FlightIdParams, TimeMs, Uuid } from "../dto/common.js";
import { ApiError } from "../errors.js";
import { staffActor } from "../plugins/access.js";
import { errorResponses } from "../plugins/errors.js";
import {
  catalogFromCsv,
  catalogProblems,
  createFlight,
  type Flight,
  findFlights,
  flightView,
  getFlight,
  invalidCatalog,
  replaceCatalog,
  setCrew,
} from "../services/flights.js";
import { listIssuerKeys, revokeIssuerKey, rotateIssuerKey } from "../services/issuer-keys.js";
import { ratesOf, setRates } from "../services/rates.js";

const FlightDate = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" });
const Airport = Type.String({ pattern: "^[A-Z]{3}$" });
const FlightBody = Type.Object({
  flightId: Uuid,
  carrier: Type.String(),
  number: Type.String(),
  date: FlightDate,
  origin: Airport,
  destination: Airport,
  currency: Currency,
  departureAtMs: TimeMs,
  capMaxMinor: Type.Integer(),
  registrationClosesAtMs: TimeMs,
});

// The accounts a passenger may register with besides the flight's currency, at these rates.
const FlightWithRates = Type.Intersect([
  FlightBody,
  Type.Object({ rates: Type.Array(Type.Object({ currency: Currency, rateMicros: Type.Integer(), source: Type.String() })) }),
]);

const CatalogItemJson = Type.Object(
  {
    sku: Type.String({ maxLength: 64 }),
    nameEn: Type.String({ maxLength: 400 }),
    nameZh: Type.String({ maxLength: 400 }),
    category: Type.String({ maxLength: 64 }),
    priceMinor: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    stock: Type.Record(Type.String({ maxLength: 32 }), Type.Integer({ minimum: 0, maximum: 65_535 }), { maxProperties: 8 }),
  },
  { additionalProperties: false },
);

export async function flightRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const withRates = async (flight: Flight) => ({ ...flightView(flight), rates: await ratesOf(app.db, flight.id) });

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
            capMaxMinor: AmountMinor,
            registrationClosesAtMs: Type.Optional(TimeMs),
          },
          { additionalProperties: false },
        ),
        response: { 201: FlightBody, ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.status(201).send(flightView(await createFlight(app.db, request.body, app.infra.now()))),
  );

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

  const Rate = Type.Object(
    {
      currency: Currency,
      rateMicros: Type.Integer({ minimum: 1, maximum: RATE_MICROS_MAX, description: "account minor units per 1,000,000 sale minor units" }),
      source: Type.String({ minLength: 1, maxLength: RATE_SOURCE_BYTES_MAX }),
    },
    { additionalProperties: false },
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

  const IssuerKey = Type.Object({
    keyId: Type.String(),
    status: Type.String(),
    createdAtMs: TimeMs,
    retiredAtMs: Type.Union([TimeMs, Type.Null()]),
    revokedAtMs: Type.Union([TimeMs, Type.Null()]),
  });
  app.get(
    "/ops/issuer-keys",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Voucher issuer keys",
        response: { 200: Type.Object({ keys: Type.Array(IssuerKey) }), ...errorResponses() },
      },
    },
    async () => ({ keys: await listIssuerKeys(app.db) }),
  );
  app.post(
    "/ops/issuer-keys/rotate",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary: "Start signing vouchers with a new key; the old one stays trusted",
        response: { 201: Type.Object({ keyId: Type.String() }), ...errorResponses() },
      },
    },
    async (_request, reply) => reply.status(201).send({ keyId: await rotateIssuerKey(app.db, app.infra.keys, app.infra.now()) }),
  );
  app.post(
    "/ops/issuer-keys/:keyId/revoke",
    {
      config: { access: ["ops"] },
      schema: {
        tags: ["ops"],
        summary:
          "Revoke a leaked issuer key: it leaves every trust list now, vouchers under it are refused, open registrations get a new voucher",
        params: Type.Object({ keyId: Type.String({ pattern: "^[0-9a-f]{16}$" }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            keyId: Type.String(),
            revokedAtMs: TimeMs,
            revokedBy: Type.String(),
            activeKeyId: Type.String(),
            reissued: Type.Integer({ minimum: 0 }),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) =>
      revokeIssuerKey(app.db, app.infra.keys, {
        keyId: request.params.keyId,
        actor: staffActor(request.principal),
        nowMs: app.infra.now(),
      }),
  );
}
