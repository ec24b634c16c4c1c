/** A passenger's registrations: register with a cap, see the voucher and its QR code, cancel. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { AmountMinor, Currency, TimeMs, Uuid } from "../../dto/common.js";
import { passengerIdOf } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { registrationRateLimit } from "../../plugins/web-security.js";
import { getFlight } from "../../services/flights.js";
import { voucherQrPng, voucherQrSvg } from "../../services/qr.js";
import { cancel, listRegistrations, ownRegistration, type Registration, register } from "../../services/registrations.js";

const RegistrationBody = Type.Object({
  registrationId: Uuid,
  flightId: Uuid,
  capMinor: Type.Integer(),
  currency: Currency,
  status: Type.Union([Type.Literal("active"), Type.Literal("cancelled")]),
  passengerName: Type.String(),
  seat: Type.Union([Type.String(), Type.Null()]),
  voucherText: Type.String({ description: "The voucher as drawn in the QR code (CP2:…)" }),
  validUntilMs: TimeMs,
  createdAtMs: TimeMs,
  cancelledAtMs: Type.Union([TimeMs, Type.Null()]),
  /** Bound to the phone that registered: it pays only as the phone's rotating codes, never as a still picture. */
  deviceBound: Type.Boolean(),
  holdKeptUntilClose: Type.Boolean({
    description:
      "Cancelled after the voucher went on board: sales made offline before the cancel are still collected, the rest is released when the flight closes",
  }),
});
const RegistrationParams = Type.Object({ registrationId: Uuid }, { additionalProperties: false });

function view(registration: Registration) {
  return {
    registrationId: registration.id,
    flightId: registration.flightId,
    capMinor: registration.capMinor,
    currency: registration.currency,
    status: registration.status,
    passengerName: registration.passengerName,
    seat: registration.seat,
    voucherText: registration.voucherText,
    validUntilMs: registration.validUntilMs,
    createdAtMs: registration.createdAtMs,
    cancelledAtMs: registration.cancelledAtMs,
    deviceBound: registration.devicePublicKey !== null,
    holdKeptUntilClose: registration.holdKeptOnCancel,
  };
}

export async function registrationRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    "/registrations",
    {
      config: { access: ["passenger"], rateLimit: registrationRateLimit(app) },
      schema: {
        tags: ["passengers"],
        summary: "Register for a flight with a spending cap: the cap is held on the wallet and a voucher issued",
        body: Type.Object(
          {
            flightId: Uuid,
            capMinor: AmountMinor,
            seat: Type.Optional(Type.String({ pattern: "^[1-9][0-9]{0,2}[A-Z]$" })),
            passengerName: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            /** Your idempotency key: the same request again with it answers with the same registration. */
            requestId: Type.Optional(Uuid),
            /** The account currency to hold and debit in (the flight's by default; another needs the flight's rate into it). */
            currency: Type.Optional(Currency),
            /** The phone's key (compressed P-256, 33 bytes, base64url): the voucher is bound to it and pays as rotating codes. */
            devicePublicKey: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{44}$" })),
          },
          { additionalProperties: false },
        ),
        response: { 200: RegistrationBody, 201: RegistrationBody, ...errorResponses(404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const { devicePublicKey, ...body } = request.body;
      const { registration, created } = await register(app.db, app.infra.keys, {
        ...body,
        ...(devicePublicKey === undefined ? {} : { devicePublicKey: new Uint8Array(Buffer.from(devicePublicKey, "base64url")) }),
        passengerId: passengerIdOf(request.principal),
        nowMs: app.infra.now(),
      });
      return reply.status(created ? 201 : 200).send(view(registration));
    },
  );

  app.get(
    "/registrations",
    {
      config: { access: ["passenger"] },
      schema: {
        tags: ["passengers"],
        summary: "My registrations",
        response: { 200: Type.Object({ registrations: Type.Array(RegistrationBody) }), ...errorResponses() },
      },
    },
    async (request) => ({ registrations: (await listRegistrations(app.db, passengerIdOf(request.principal))).map(view) }),
  );

  app.get(
    "/registrations/:registrationId",
    {
      config: { access: ["passenger"] },
      schema: {
        tags: ["passengers"],
        summary: "One of my registrations, with its flight",
        params: RegistrationParams,
        response: {
          200: Type.Object({
            registration: RegistrationBody,
            flight: Type.Object({
              carrier: Type.String(),
              number: Type.String(),
              date: Type.String(),
              departureAtMs: TimeMs,
              origin: Type.String(),
            }),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const registration = await ownRegistration(app.db, passengerIdOf(request.principal), request.params.registrationId);
      const flight = await getFlight(app.db, registration.flightId);
      return {
        registration: view(registration),
        flight: {
          carrier: flight.carrier,
          number: flight.number,
          date: flight.flightDate,
          departureAtMs: flight.departureAtMs,
          origin: flight.origin,
        },
      };
    },
  );

  for (const format of ["svg", "png"] as const) {
    app.get(
      `/registrations/:registrationId/qr.${format}`,
      {
        config: { access: ["passenger"] },
        schema: {
          tags: ["passengers"],
          summary: `The voucher QR code as ${format.toUpperCase()}`,
          params: RegistrationParams,
          // Bytes are sent as they are (Fastify does not serialize a Buffer or string body).
          response: {
            200: Type.Unsafe<string | Buffer>({
              type: "string",
              format: "binary",
              description: `image/${format === "svg" ? "svg+xml" : "png"}`,
            }),
            ...errorResponses(404),
          },
        },
      },
      async (request, reply) => {
        const registration = await ownRegistration(app.db, passengerIdOf(request.principal), request.params.registrationId);
        reply.header("cache-control", "private, no-store");
        if (format === "svg") return reply.type("image/svg+xml").send(await voucherQrSvg(registration.voucherText));
        return reply.type("image/png").send(await voucherQrPng(registration.voucherText));
      },
    );
  }

  app.delete(
    "/registrations/:registrationId",
    {
      config: { access: ["passenger"] },
      schema: {
        tags: ["passengers"],
        summary:
          "Cancel before the cut-off: the voucher is revoked; the hold is released now, or at the flight's close if a terminal already has the voucher on board",
        params: RegistrationParams,
        response: { 200: RegistrationBody, ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      view(
        await cancel(app.db, {
          passengerId: passengerIdOf(request.principal),
          registrationId: request.params.registrationId,
          nowMs: app.infra.now(),
        }),
      ),
  );
}
