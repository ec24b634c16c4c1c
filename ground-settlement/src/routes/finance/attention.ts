/**
 * Finance's attention queue over HTTP: the list, retry a parked settlement, record a shortfall
 * collected elsewhere, collect a refused sale from its passenger's balance, write off.
 */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { Currency, NoteBody, TimeMs, Uuid } from "../../dto/common.js";
import { staffActor } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { attentionQueue, markCollectedElsewhere, retrySettlement, writeOff } from "../../services/attention.js";
import { collectFromBalance } from "../../services/collect-refused.js";

const RecordParams = Type.Object({ recordId: Uuid }, { additionalProperties: false });
const Item = Type.Object({
  recordId: Uuid,
  flightId: Uuid,
  carrier: Type.String(),
  number: Type.String(),
  date: Type.String(),
  status: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  totalMinor: Type.Integer(),
  currency: Currency,
  shortfallMinor: Type.Integer(),
  collectedElsewhereMinor: Type.Integer(),
  passengerName: Type.Union([Type.String(), Type.Null()]),
  seat: Type.Union([Type.String(), Type.Null()]),
  createdAtMs: TimeMs,
  canRetry: Type.Boolean(),
  canMarkCollected: Type.Boolean(),
  /** A sale refused because its passenger had cancelled: it may be collected from their balance. */
  canCollectFromBalance: Type.Boolean(),
  canWriteOff: Type.Boolean(),
  actions: Type.Array(
    Type.Object({
      action: Type.String(),
      actor: Type.String(),
      note: Type.Union([Type.String(), Type.Null()]),
      amountMinor: Type.Integer(),
      atMs: TimeMs,
    }),
  ),
});

export async function attentionRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/finance/attention",
    {
      config: { access: ["finance", "ops"] },
      schema: {
        tags: ["finance"],
        summary: "Settlements that need a person: parked failures, shortfalls not collected, rejected records; newest first",
        querystring: Type.Object({ flightId: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(Item) }), ...errorResponses() },
      },
    },
    async (request) => ({
      items: await attentionQueue(app.db, request.query.flightId === undefined ? {} : { flightId: request.query.flightId }),
    }),
  );

  app.post(
    "/finance/attention/:recordId/retry",
    {
      config: { access: ["finance", "ops"] },
      schema: {
        tags: ["finance"],
        summary: "Send a parked (failed) settlement back to the settlement pipeline",
        params: RecordParams,
        response: { 202: Type.Object({ status: Type.Literal("pending") }), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const queued = await retrySettlement(app.db, app.infra.settlementJobs, {
        recordId: request.params.recordId,
        actor: staffActor(request.principal),
        nowMs: app.infra.now(),
      });
      if (!queued.enqueued) request.log.warn({ err: queued.error }, "retry not enqueued now: the sweeper will");
      return reply.status(202).send({ status: "pending" });
    },
  );

  app.post(
    "/finance/attention/:recordId/collected-elsewhere",
    {
      config: { access: ["finance", "ops"] },
      schema: {
        tags: ["finance"],
        summary: "Record that a shortfall was collected outside CabinPay (cash, card on the ground)",
        params: RecordParams,
        body: NoteBody,
        response: { 200: Type.Object({ amountMinor: Type.Integer() }), ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      markCollectedElsewhere(app.db, {
        recordId: request.params.recordId,
        actor: staffActor(request.principal),
        note: request.body.note,
        nowMs: app.infra.now(),
      }),
  );

  app.post(
    "/finance/attention/:recordId/collect-from-balance",
    {
      config: { access: ["finance"] },
      schema: {
        tags: ["finance"],
        summary:
          "Send a sale refused because its passenger had cancelled to settlement: their balance pays what it can, the rest is a shortfall",
        params: RecordParams,
        body: NoteBody,
        response: { 202: Type.Object({ status: Type.Literal("pending"), amountMinor: Type.Integer() }), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const { amountMinor, queued } = await collectFromBalance(app.db, app.infra.settlementJobs, {
        recordId: request.params.recordId,
        actor: staffActor(request.principal),
        note: request.body.note,
        nowMs: app.infra.now(),
      });
      if (!queued.enqueued) request.log.warn({ err: queued.error }, "collection not enqueued now: the sweeper will");
      return reply.status(202).send({ status: "pending", amountMinor });
    },
  );

  app.post(
    "/finance/attention/:recordId/write-off",
    {
      config: { access: ["finance"] },
      schema: {
        tags: ["finance"],
        summary: "Accept as a loss what an item did not collect (a refused or failed sale, a shortfall), with a note; it leaves the queue",
        params: RecordParams,
        body: NoteBody,
        response: { 200: Type.Object({ amountMinor: Type.Integer() }), ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      writeOff(app.db, {
        recordId: request.params.recordId,
        actor: staffActor(request.principal),
        note: request.body.note,
        nowMs: app.infra.now(),
      }),
  );
}
