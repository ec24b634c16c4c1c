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
import { attentionRoutes } from "./routes/finance/attention.js";
import { financeFlightRoutes } from "./routes/finance/flights.js";
import { financeRoutes } from "./routes/finance/ledger.js";
import { receiptReportRoutes } from "./routes/finance/receipt-reports.js";
import { accountRoutes } from "./routes/me/account.js";
import { receiptRoutes } from "./routes/me/receipts.js";
import { registrationRoutes } from "./routes/me/registrations.js";
import { shortfallRoutes } from "./routes/me/shortfalls.js";
import { statementRoutes } from "./routes/me/statement.js";
import { flightCloseRoutes } from "./routes/ops/flight-close.js";
import { opsFlightRoutes } from "./routes/ops/flights.js";
import { issuerKeyRoutes } from "./routes/ops/issuer-keys.js";
import { rotationRoutes } from "./routes/ops/rotations.js";
import { opsTerminalRoutes } from "./routes/ops/terminals.js";
import { walletRoutes } from "./routes/ops/wallets.js";
import { publicFlightRoutes } from "./routes/public/flights.js";
import { healthRoutes } from "./routes/public/health.js";
import { webSessionRoutes } from "./routes/public/web-sessions.js";
import { terminalEnrolmentRoutes } from "./routes/terminal/enrolment.js";
import { uploadRoutes } from "./routes/terminal/uploads.js";

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
  // By audience: anyone, the passenger, ops, finance, the terminals.
  await app.register(healthRoutes);
  await app.register(publicFlightRoutes);
  await app.register(webSessionRoutes);
  await app.register(accountRoutes);
  await app.register(registrationRoutes);
  await app.register(statementRoutes);
  await app.register(receiptRoutes);
  await app.register(shortfallRoutes);
  await app.register(opsFlightRoutes);
  await app.register(issuerKeyRoutes);
  await app.register(walletRoutes);
  await app.register(rotationRoutes);
  await app.register(opsTerminalRoutes);
  await app.register(flightCloseRoutes);
  await app.register(financeRoutes);
  await app.register(financeFlightRoutes);
  await app.register(attentionRoutes);
  await app.register(receiptReportRoutes);
  await app.register(terminalEnrolmentRoutes);
  await app.register(uploadRoutes);
  await app.register(webPagesPlugin);
  return app;
}
