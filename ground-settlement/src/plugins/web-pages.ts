/**
 * The web pages for passengers, finance and ops (built by Vite from web/ into WEB_DIR), served
 * under /app/ with a strict Content-Security-Policy. Any /app/ path that is not a file is the app
 * itself (it routes in the browser). The pages reach the API like any client; the server enforces
 * every role. Without a build, /app/ says how to make one.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { ApiError } from "../errors.js";
import { FIRST_PAINT_STYLE_HASH, firstPaintLanguage, withVoucherFirstPaint } from "../pages/voucher-first-paint.js";
import { getFlight } from "../services/flights.js";
import { voucherQrSvg } from "../services/qr.js";
import { ownRegistration } from "../services/registrations.js";
import { cookiePassengerId } from "./access.js";

export const WEB_PREFIX = "/app/";

export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

export const webPagesPlugin = fp(
  async (app: FastifyInstance) => {
    const webDir = app.infra.config.webDir;
    const built = existsSync(join(webDir, "index.html"));
    app.get("/", { config: { access: ["public"] }, schema: { hide: true } }, async (_request, reply) => reply.redirect(WEB_PREFIX));
    if (!built) {
      app.get(`${WEB_PREFIX}*`, { config: { access: ["public"] }, schema: { hide: true } }, async (_request, reply) =>
        reply
          .status(503)
          .type("text/plain; charset=utf-8")
          .send(`The web pages are not built (no ${webDir}/index.html): run \`npm run build\`, then reload.`),
      );
      return;
    }
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: WEB_PREFIX,
      wildcard: false,
      index: ["index.html"],
      cacheControl: false,
      setHeaders: (response, path) => {
        response.setHeader("content-security-policy", WEB_CONTENT_SECURITY_POLICY);
        // The service worker and the page shell must be fetched fresh so an update reaches phones.
        response.setHeader("cache-control", /\/assets\//.test(path) ? "public, max-age=31536000, immutable" : "no-cache");
        if (path.endsWith("sw.js")) response.setHeader("service-worker-allowed", WEB_PREFIX);
      },
    });
    // A voucher's page carries the voucher drawn in, for its passenger: shown after one request.
    const indexHtml = readFileSync(join(webDir, "index.html"), "utf8");
    app.get(
      `${WEB_PREFIX}passenger/vouchers/:registrationId`,
      { config: { access: ["public"] }, schema: { hide: true } },
      async (request, reply) => {
        const { registrationId } = request.params as { registrationId: string };
        const page = await voucherPage(app, request, registrationId, indexHtml).catch((error: unknown) => {
          request.log.warn({ err: error }, "the voucher could not be drawn into the page; the app alone is served");
          return undefined;
        });
        if (page === undefined) {
          reply.header("content-security-policy", WEB_CONTENT_SECURITY_POLICY).header("cache-control", "no-cache");
          return reply.sendFile("index.html");
        }
        return reply
          .header(
            "content-security-policy",
            WEB_CONTENT_SECURITY_POLICY.replace("style-src 'self'", `style-src 'self' ${FIRST_PAINT_STYLE_HASH}`),
          )
          .header("cache-control", "private, no-store")
          .header("vary", "cookie, accept-language")
          .type("text/html; charset=utf-8")
          .send(page);
      },
    );
    // Client-side routes: every other /app/ path is the app.
    app.get(`${WEB_PREFIX}*`, { config: { access: ["public"] }, schema: { hide: true } }, async (_request, reply) => {
      reply.header("content-security-policy", WEB_CONTENT_SECURITY_POLICY).header("cache-control", "no-cache");
      return reply.sendFile("index.html");
    });
  },
  { name: "web-pages", dependencies: ["infrastructure", "access"] },
);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The page with the voucher drawn in, when the signed-in passenger owns this printed, active voucher; else undefined. */
async function voucherPage(app: FastifyInstance, request: FastifyRequest, registrationId: string, indexHtml: string) {
  if (!UUID.test(registrationId)) return undefined;
  const passengerId = await cookiePassengerId(app, request);
  if (passengerId === undefined) return undefined;
  const registration = await ownRegistration(app.db, passengerId, registrationId).catch((error: unknown) => {
    if (error instanceof ApiError) return undefined; // not this passenger's: the app says so
    throw error;
  });
  if (registration === undefined || registration.status !== "active" || registration.devicePublicKey !== null) return undefined;
  const flight = await getFlight(app.db, registration.flightId);
  const voucher = {
    flight,
    passengerName: registration.passengerName,
    seat: registration.seat,
    capMinor: registration.capMinor,
    currency: registration.currency,
    qrSvg: await voucherQrSvg(registration.voucherText),
  };
  return withVoucherFirstPaint(indexHtml, voucher, firstPaintLanguage(request.headers["accept-language"]));
}
