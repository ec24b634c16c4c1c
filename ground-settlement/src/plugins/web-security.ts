/**
 * What browsers need of the ground (infrastructure): cookies for web sessions, security headers
 * on every answer (@fastify/helmet; each web page sets its own Content-Security-Policy, since the
 * API docs page needs another), and rate limits, applied per route where a route asks for one
 * (log-in, sign-up, registration).
 */
import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { ApiError } from "../errors.js";

export const SESSION_COOKIE = "cabinpay_session";
export const CSRF_HEADER = "x-csrf-token";

/** Per client address and route, per minute: enough for a person, too few for guessing passwords. */
export const loginRateLimit = (app: FastifyInstance) => ({ max: app.infra.config.loginAttemptsPerMinute, timeWindow: 60_000 });
export const registrationRateLimit = (app: FastifyInstance) => ({ max: app.infra.config.registrationsPerMinute, timeWindow: 60_000 });

export const webSecurityPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(cookie);
    await app.register(helmet, {
      contentSecurityPolicy: false,
      crossOriginEmbedderPolicy: false,
      // Vouchers and statements are for the passenger's eyes only: nothing is kept by proxies.
      referrerPolicy: { policy: "no-referrer" },
    });
    await app.register(rateLimit, {
      global: false,
      max: 100,
      timeWindow: 60_000,
      errorResponseBuilder: (_request, context) =>
        new ApiError("rate_limited", `too many attempts: try again in ${Math.ceil(context.ttl / 1000)} s`, {
          retryAfterMs: context.ttl,
        }),
    });
  },
  { name: "web-security", dependencies: ["infrastructure"] },
);
