/** Finance: receipts passengers sent back for records the ground lacks (or holds different), and closing one with a note. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { NoContent, NoteBody, Uuid } from "../../dto/common.js";
import { ReceiptReport } from "../../dto/receipts.js";
import { staffActor } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { closeReceiptReport, receiptReportsOf } from "../../services/receipt-reports.js";

export async function receiptReportRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/finance/receipt-reports",
    {
      config: { access: ["finance", "ops"] },
      schema: {
        tags: ["finance"],
        summary:
          "Open reports: a passenger holds a terminal's signed receipt for a record the ground lacks or holds different; newest first",
        querystring: Type.Object({ flightId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 200: Type.Object({ reports: Type.Array(ReceiptReport) }), ...errorResponses() },
      },
    },
    async (request) => ({
      reports: await receiptReportsOf(app.db, {
        ...(request.query.flightId === undefined ? {} : { flightId: request.query.flightId }),
        openOnly: true,
      }),
    }),
  );

  app.post(
    "/finance/receipt-reports/:recordId/close",
    {
      config: { access: ["finance"] },
      schema: {
        tags: ["finance"],
        summary: "Close a report looked into, with a note (what was found, what was done): it leaves the queue and stays on record",
        params: Type.Object({ recordId: Uuid }, { additionalProperties: false }),
        body: NoteBody,
        response: { 204: NoContent, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await closeReceiptReport(app.db, {
        recordId: request.params.recordId,
        actor: staffActor(request.principal),
        note: request.body.note,
        nowMs: app.infra.now(),
      });
      return reply.status(204).send(null);
    },
  );
}
