/** After landing: terminals upload signed batches; ops may close a flight. */
import { GENESIS_HASH, LIMITS, toHex } from "@cabinpay/shared";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { and, eq } from "drizzle-orm";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { terminalChains } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import { enqueueClose, sweepOutbox } from "../jobs/settlement.js";
import { errorResponses } from "../plugins/errors.js";
import { Admission } from "../runtime/admission.js";
import { getFlight } from "../services/flights.js";
import { recordHandover } from "../services/handovers.js";
import { ingestBatch } from "../services/ingest.js";
import { requireAssignment } from "../services/trolleys.js";
import { FlightIdParams, NoContent, TrolleyId, Uuid } from "./schemas.js";

/** A trolley seal's number as printed: capital letters, digits and dashes. */
const Seal = Type.String({ pattern: "^[A-Z0-9][A-Z0-9-]{2,19}$" });

const Outcome = Type.Object({
  sequence: Type.Integer(),
  recordId: Uuid,
  outcome: Type.Union([Type.Literal("accepted"), Type.Literal("duplicate"), Type.Literal("rejected")]),
  reason: Type.Optional(Type.String()),
});
/** Where the ground's copy of a terminal's chain stands after an upload. */
const ChainProgress = Type.Object({ nextSequence: Type.Integer({ minimum: 1 }), serviceClosed: Type.Boolean() });
/** …and before one, with the hash of the last record held (hex; zeros before the first): the terminal compares its own. */
const ChainState = Type.Object({ ...ChainProgress.properties, headHash: Type.String({ pattern: "^[0-9a-f]{64}$" }) });

function terminalIdOf(request: FastifyRequest): string {
  if (request.principal.kind !== "terminal") throw new ApiError("forbidden", "terminals only");
  return request.principal.terminalId;
}

export async function uploadRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const ingestion = new Admission({
    concurrencyMax: app.infra.config.ingestConcurrency,
    queueMax: app.infra.config.ingestQueueMax,
    queueWaitMaxMs: app.infra.config.ingestQueueWaitMaxMs,
  });

  app.get(
    "/terminal/flights/:flightId/chain",
    {
      config: { access: ["terminal"] },
      schema: {
        tags: ["terminals"],
        summary: "Where to resume: the next sequence the ground expects from this terminal",
        security: [{ terminal: [] }],
        params: FlightIdParams,
        response: { 200: ChainState, ...errorResponses(404) },
      },
    },
    async (request) => {
      const terminalId = terminalIdOf(request);
      await requireAssignment(app.db, terminalId, request.params.flightId);
      const [chain] = await app.db
        .select()
        .from(terminalChains)
        .where(and(eq(terminalChains.terminalId, terminalId), eq(terminalChains.flightId, request.params.flightId)));
      return {
        nextSequence: (chain?.headSequence ?? 0) + 1,
        headHash: toHex(chain?.headHash ?? GENESIS_HASH),
        serviceClosed: (chain?.closedAtMs ?? null) !== null,
      };
    },
  );

  app.post(
    "/terminal/flights/:flightId/batches",
    {
      config: { access: ["terminal"] },
      // A busy ground says so before it reads, hashes and verifies a body it cannot take now.
      onRequest: async () => {
        const refused = ingestion.refusal();
        if (refused !== undefined) throw refused;
      },
      bodyLimit: LIMITS.batchBytesMax + 64 * 1024,
      schema: {
        tags: ["terminals"],
        summary: "Upload a signed batch of records (binary, docs/protocol.md). Idempotent: re-sent records answer duplicate",
        security: [{ terminal: [] }],
        params: FlightIdParams,
        body: Type.Unsafe<Buffer>({ description: "application/octet-stream: one signed batch" }),
        response: {
          200: Type.Object({ records: Type.Array(Outcome), ...ChainProgress.properties }),
          ...errorResponses(404, 409, 422, 503),
        },
      },
    },
    async (request) => {
      const terminalId = terminalIdOf(request);
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new ApiError("unsupported_media_type", "send the batch as application/octet-stream");
      const { trolleyId } = await requireAssignment(app.db, terminalId, request.params.flightId);
      const flight = await getFlight(app.db, request.params.flightId);
      const nowMs = app.infra.now();
      const result = await ingestion.run(() =>
        ingestBatch(app.db, { terminalId, flight, assignedTrolleyId: trolleyId, bytes: new Uint8Array(body), nowMs }),
      );
      // Committed: enqueue now if Redis answers; otherwise the worker's sweeper does it later.
      try {
        await sweepOutbox(app.db, app.infra.settlementQueue, nowMs, { terminalId, flightId: flight.id });
        if (result.serviceClosed) await enqueueClose(app.infra.settlementQueue, flight.id, false);
      } catch (error) {
        request.log.warn({ err: (error as Error).message }, "settlement not enqueued now: the sweeper will");
      }
      return { ...result, records: [...result.records] };
    },
  );

  app.post(
    "/terminal/flights/:flightId/handover",
    {
      config: { access: ["terminal"] },
      schema: {
        tags: ["terminals"],
        summary:
          "The purser's handover at the service's close: seal numbers at open and close, and the stock left, as the terminal counted it",
        security: [{ terminal: [] }],
        params: FlightIdParams,
        body: Type.Object(
          {
            trolleyId: TrolleyId,
            sealAtOpen: Type.Union([Seal, Type.Null()]),
            sealAtClose: Type.Union([Seal, Type.Null()]),
            stockLeft: Type.Array(
              Type.Object(
                {
                  sku: Type.String({ minLength: 1, maxLength: LIMITS.skuBytesMax }),
                  quantity: Type.Integer({ minimum: 0, maximum: LIMITS.stockPerTrolleyMax }),
                },
                { additionalProperties: false },
              ),
              { maxItems: LIMITS.manifestCatalogItemsMax },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 204: NoContent, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const terminalId = terminalIdOf(request);
      const { trolleyId } = await requireAssignment(app.db, terminalId, request.params.flightId);
      await recordHandover(app.db, {
        terminalId,
        flightId: request.params.flightId,
        assignedTrolleyId: trolleyId,
        report: request.body,
        nowMs: app.infra.now(),
      });
      return reply.status(204).send(null);
    },
  );

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
      await getFlight(app.db, request.params.flightId);
      try {
        await enqueueClose(app.infra.settlementQueue, request.params.flightId, true);
      } catch {
        throw new ApiError("unavailable", "the job queue (Redis) is not reachable: try again shortly");
      }
      return reply.status(202).send({ status: "closing" as const });
    },
  );
}
