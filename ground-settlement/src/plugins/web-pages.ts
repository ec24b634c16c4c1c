/**
 * The web pages for passengers, finance and ops (built by Vite from web/ into WEB_DIR), served
 * under /app/ with a strict Content-Security-Policy. Any /app/ path that is not a file is the app
 * itself (it routes in the browser). The pages reach the API like any client; the server enforces
 * every role. Without a build, /app/ says how to make one.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

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
    // Client-side routes: every other /app/ path is the app.
    app.get(`${WEB_PREFIX}*`, { config: { access: ["public"] }, schema: { hide: true } }, async (_request, reply) => {
      reply.header("content-security-policy", WEB_CONTENT_SECURITY_POLICY).header("cache-control", "no-cache");
      return reply.sendFile("index.html");
    });
  },
  { name: "web-pages", dependencies: ["infrastructure", "access"] },
);
