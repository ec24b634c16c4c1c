/** After landing: a terminal reads where its chain stands, uploads signed batches and the purser's handover. */
import { LIMITS } from "@cabinpay/shared";
import { CabinCountersAnswer, CabinCountersRequest, ChainAnswer, HandoverRequest, UploadAnswer } from "@cabinpay/shared/wire";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { FlightIdParams, NoContent } from "../../dto/common.js";
import { ApiError } from "../../errors.js";
import { terminalIdOf } from "../../plugins/access.js";
import { errorResponses } from "../../plugins/errors.js";
import { Admission } from "../../runtime/admission.js";
import { receiveCounters } from "../../services/cabin-counters.js";
import { recordHandover } from "../../services/handovers.js";
import { chainState, createIngest } from "../../services/ingest.js";
import { requireAssignment } from "../../services/trolleys.js";

export async function uploadRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const ingest = createIngest({ db: app.db, jobs: app.infra.settlementJobs });
  const ingestion = new Admission({
    concurrencyMax: app.infra.config.ingestConcurrency,
    queueMax: app.infra.config.ingestQueueMax,
    lineMax: app.infra.config.ingestLineMax,
    queueWaitMsMax: app.infra.config.ingestQueueWaitMsMax,
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
        response: { 200: ChainAnswer, ...errorResponses(404) },
      },
    },
    async (request) => {
      const terminalId = terminalIdOf(request.principal);
      return chainState(app.db, terminalId, request.params.flightId);
    },
  );

  app.post(
    "/terminal/flights/:flightId/batches",
    {
      config: { access: ["terminal"] },
      // A busy ground says so before it reads, hashes and verifies a body it cannot take now, and
      // one that can take it soon lets it wait in line before the body is read.
      onRequest: async (request, reply) => {
        const ticket = ingestion.enter();
        // Closed once answered, or when the connection goes: the place is given up either way
        // (and at once if it went before we listened; giving up twice gives up one place).
        reply.raw.once("close", ticket.release);
        if (reply.raw.closed || request.raw.socket?.destroyed === true) ticket.release();
        await ticket.admitted;
      },
      bodyLimit: LIMITS.batchBytesMax + 64 * 1024,
      schema: {
        tags: ["terminals"],
        summary: "Upload a signed batch of records (binary, docs/protocol.md). Idempotent: re-sent records answer duplicate",
        security: [{ terminal: [] }],
        params: FlightIdParams,
        body: Type.Unsafe<Buffer>({ description: "application/octet-stream: one signed batch" }),
        response: { 200: UploadAnswer, ...errorResponses(404, 409, 422, 503) },
      },
    },
    async (request) => {
      const terminalId = terminalIdOf(request.principal);
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new ApiError("unsupported_media_type", "send the batch as application/octet-stream");
      const input = { terminalId, flightId: request.params.flightId, bytes: new Uint8Array(body), nowMs: app.infra.now() };
      const outcome = await ingestion.run(() => ingest.upload(input));
      switch (outcome.kind) {
        case "sequence_gap":
          throw new ApiError("sequence_gap", outcome.detail, { nextSequence: outcome.nextSequence });
        case "refused": {
          const { reason, detail, kind: _, ...evidence } = outcome;
          throw new ApiError("batch_rejected", `batch refused whole: ${reason}: ${detail}`, { reason, ...evidence });
        }
        case "accepted":
          if (outcome.enqueueError !== undefined)
            request.log.warn({ err: outcome.enqueueError }, "settlement not enqueued now: the sweeper will");
          if (outcome.keyedByGround !== undefined)
            request.log.warn(
              { terminalId, recordIds: outcome.keyedByGround },
              "record ids another terminal's records held first (a leaked key?): these records are keyed by the ground's ids",
            );
          return { records: [...outcome.records], nextSequence: outcome.nextSequence, serviceClosed: outcome.serviceClosed };
      }
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
        body: HandoverRequest,
        response: { 204: NoContent, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const terminalId = terminalIdOf(request.principal);
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
    "/terminal/flights/:flightId/cabin-counters",
    {
      config: { access: ["terminal"] },
      schema: {
        tags: ["terminals"],
        summary:
          "After an upload: the flight's cabin-sync spend snapshots the terminal holds (its own and those it heard), each checked and the newest per terminal kept",
        security: [{ terminal: [] }],
        params: FlightIdParams,
        body: CabinCountersRequest,
        response: { 200: CabinCountersAnswer, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const reporterId = terminalIdOf(request.principal);
      await requireAssignment(app.db, reporterId, request.params.flightId);
      const input = { reporterId, flightId: request.params.flightId, snapshots: request.body.snapshots, nowMs: app.infra.now() };
      return { verdicts: await receiveCounters(app.db, app.infra.keys, input) };
    },
  );
}
