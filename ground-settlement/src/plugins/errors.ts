/**
 * One error handler for the whole service: every error leaves as `{ code, message, requestId }`
 * with a code from the catalogue. 5xx details are logged, never sent.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { Type } from "typebox";
import { ApiError, ERROR_STATUS, type ErrorCode } from "../errors.js";
import { LedgerError } from "../ledger/errors.js";

export const ErrorBody = Type.Object({
  code: Type.String({ description: "Stable error code from the catalogue" }),
  message: Type.String(),
  requestId: Type.String(),
  details: Type.Optional(Type.Unknown()),
});

/** Response schemas for the given error statuses, for route declarations. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries([400, 401, 403, 413, 415, 429, 500, ...statuses].map((status) => [status, ErrorBody]));
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "body_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "malformed_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "malformed_json",
  FST_ERR_CTP_INVALID_JSON_BODY: "malformed_json",
};

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | ApiError | LedgerError, request, reply) => {
      const requestId = request.id;
      // The ledger refuses in its own words; this is the one place they become HTTP.
      if (error instanceof LedgerError) {
        return reply.status(ERROR_STATUS[error.code]).send({ code: error.code, message: error.message, requestId, details: error.details });
      }
      if (error instanceof ApiError) {
        // A caller told to come back is told when, in the standard header too.
        const retryAfterMs = (error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
        if (typeof retryAfterMs === "number") reply.header("retry-after", String(Math.ceil(retryAfterMs / 1000)));
        return reply.status(error.statusCode).send({ code: error.code, message: error.message, requestId, details: error.details });
      }
      if (error.validation) {
        const details = error.validation.map((issue) => ({ path: issue.instancePath || "/", message: issue.message }));
        return reply
          .status(400)
          .send({ code: "validation_failed", message: `request ${error.validationContext}: ${error.message}`, requestId, details });
      }
      const known = FASTIFY_CODES[error.code];
      if (known !== undefined)
        return reply
          .status(known === "body_too_large" ? 413 : known === "unsupported_media_type" ? 415 : 400)
          .send({ code: known, message: error.message, requestId });
      if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
        return reply.status(400).send({ code: "malformed_json", message: "the body is not valid JSON", requestId });
      }
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return reply.status(error.statusCode).send({ code: "validation_failed", message: error.message, requestId });
      }
      request.log.error({ err: error }, "unhandled error");
      return reply
        .status(500)
        .send({ code: "internal_error", message: "internal error: quote the request id when reporting it", requestId });
    });
    app.setNotFoundHandler((request, reply) =>
      reply
        .status(404)
        .send({ code: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]}`, requestId: request.id }),
    );
  },
  { name: "errors" },
);
