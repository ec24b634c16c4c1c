/**
 * The terminals' receipts on the passenger's phone: what the phone needs to check and show them
 * offline (fetched before the flight, kept by the service worker), and sending back, after landing,
 * a receipt whose record is not on the statement (the passenger as witness).
 */
import { toHex } from "@cabinpay/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { Uuid } from "../../dto/common.js";
import { ReceiptCheck, ReportAnswer, ReportBody } from "../../dto/receipts.js";
import { passengerIdOf } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { groundKeysOf, reportReceipt } from "../../services/receipt-reports.js";
import { catalogNames } from "../../services/reconciliation.js";
import { ownRegistration } from "../../services/registrations.js";

export async function receiptRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/registrations/:registrationId/receipt-check",
    {
      config: { access: ["passenger"] },
      schema: {
        tags: ["passengers"],
        summary: "The ground's certificate keys and the flight's item names: what the phone checks and shows receipts with, offline",
        params: Type.Object({ registrationId: Uuid }, { additionalProperties: false }),
        response: { 200: ReceiptCheck, ...errorResponses(404) },
      },
    },
    async (request) => {
      const registration = await ownRegistration(app.db, passengerIdOf(request.principal), request.params.registrationId);
      const names = await catalogNames(app.db, registration.flightId);
      return {
        groundKeys: [...groundKeysOf(app.infra.keys)].map(([keyId, publicKey]) => ({ keyId, publicKey: toHex(publicKey) })),
        items: [...names].map(([sku, name]) => ({ sku, name: name.nameEn, nameZh: name.nameZh })),
      };
    },
  );

  app.post(
    "/me/receipts",
    {
      config: { access: ["passenger"] },
      schema: {
        tags: ["passengers"],
        summary:
          "Send back a terminal's receipt whose record is not on my statement: checked, kept as evidence and shown to finance until the record arrives",
        body: ReportBody,
        response: { 200: ReportAnswer, ...errorResponses(404, 409, 422) },
      },
    },
    async (request) =>
      reportReceipt(app.db, app.infra.keys, {
        passengerId: passengerIdOf(request.principal),
        receiptText: request.body.receipt,
        nowMs: app.infra.now(),
      }),
  );
}
