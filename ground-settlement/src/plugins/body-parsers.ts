/**
 * Body parsers that keep the raw bytes (signed terminal requests are verified over them), with
 * Fastify's own JSON parser behind, so prototype-poisoning keys are refused as before.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

export const bodyParsersPlugin = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser("error", "error");
    app.removeContentTypeParser("application/json");
    app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request: FastifyRequest, body: Buffer, done) => {
      request.rawBody = body;
      parseJson(request, body.toString("utf8"), done);
    });
    app.addContentTypeParser("application/octet-stream", { parseAs: "buffer" }, (request: FastifyRequest, body: Buffer, done) => {
      request.rawBody = body;
      done(null, body);
    });
    app.addContentTypeParser("text/csv", { parseAs: "string" }, (request: FastifyRequest, body: string, done) => {
      request.rawBody = Buffer.from(body, "utf8");
      done(null, body);
    });
  },
  { name: "body-parsers" },
);
