/**
 * Builds the ground service's Fastify application from its infrastructure. Plugins first
 * (infrastructure, parsing, errors, docs, access), then one route module per domain.
 */
import { newId } from "@cabinpay/shared";
import Fastify, { type FastifyInstance } from "fastify";
import { accessPlugin } from "./plugins/access.js";
import { bodyParsersPlugin } from "./plugins/body-parsers.js";
import { errorsPlugin } from "./plugins/errors.js";
import { type Infrastructure, infrastructurePlugin } from "./plugins/infrastructure.js";
import { openapiPlugin } from "./plugins/openapi.js";
import { textRulePlugin } from "./plugins/text-rule.js";
import { webPagesPlugin } from "./plugins/web-pages.js";
import { webSecurityPlugin } from "./plugins/web-security.js";
import { attentionRoutes } from "./routes/attention.js";
import { financeRoutes } from "./routes/finance.js";
import { flightRoutes } from "./routes/flights.js";
import { healthRoutes } from "./routes/health.js";
import { passengerRoutes } from "./routes/passengers.js";
import { reconciliationRoutes } from "./routes/reconciliation.js";
import { registrationRoutes } from "./routes/registrations.js";
import { rotationRoutes } from "./routes/rotations.js";
import { terminalRoutes } from "./routes/terminals.js";
import { uploadRoutes } from "./routes/uploads.js";
import { webSessionRoutes } from "./routes/web-sessions.js";

export async function buildApp(infra: Infrastructure): Promise<FastifyInstance> {
  const app = Fastify({
    logger: infra.config.logLevel === "silent" ? false : { level: infra.config.logLevel },
    bodyLimit: infra.config.bodyBytesMax,
    // Unknown fields are refused, not silently dropped, and nothing is coerced to another type.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
    requestIdHeader: false,
    return503OnClosing: true,
    connectionTimeout: 30_000,
    requestTimeout: 60_000,
    routerOptions: { maxParamLength: 200 },
    // Unique across processes, sortable by time: log lines of one request can be found anywhere.
    genReqId: () => newId(),
    // Behind a TLS proxy: the client's address and protocol from X-Forwarded-* (TRUST_PROXY).
    trustProxy: infra.config.trustProxy,
  });
  await app.register(infrastructurePlugin, { infra });
  await app.register(bodyParsersPlugin);
  await app.register(errorsPlugin);
  await app.register(textRulePlugin);
  await app.register(openapiPlugin);
  await app.register(webSecurityPlugin);
  await app.register(accessPlugin);
  await app.register(healthRoutes);
  await app.register(passengerRoutes);
  await app.register(flightRoutes);
  await app.register(registrationRoutes);
  await app.register(terminalRoutes);
  await app.register(rotationRoutes);
  await app.register(uploadRoutes);
  await app.register(financeRoutes);
  await app.register(reconciliationRoutes);
  await app.register(attentionRoutes);
  await app.register(webSessionRoutes);
  await app.register(webPagesPlugin);
  return app;
}
