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

/**
 * Per client address, per minute, one bucket for every route that checks a password (passenger
 * and staff log-in, for the API and the web pages, and sign-up): enough for a person, too few for
 * guessing, and spreading guesses over four routes buys nothing.
 */
export const loginRateLimit = (app: FastifyInstance) => ({
  max: app.infra.config.loginAttemptsPerMinute,
  timeWindow: 60_000,
  groupId: "log-in",
});
/** Enrolment codes are 60-bit one-time secrets; guessing them is also held to the log-in rate. */
export const enrolmentRateLimit = (app: FastifyInstance) => ({
  max: app.infra.config.loginAttemptsPerMinute,
  timeWindow: 60_000,
  groupId: "enrolment",
});
export const registrationRateLimit = (app: FastifyInstance) => ({
  max: app.infra.config.registrationsPerMinute,
  timeWindow: 60_000,
  groupId: "registration",
});

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
      store: GroupedStore,
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

/** Clients tracked at once per API process; the oldest window is forgotten first. */
const RATE_LIMIT_CLIENTS_MAX = 10_000;

/**
 * One counter per client and group (every rate-limited route names its group). @fastify/rate-limit
 * gives each route a store of its own (`child`), so routes could not share a bucket: here every
 * child is this one store, and its keys (the address and the group id) keep the groups apart.
 */
class GroupedStore {
  private readonly windows = new Map<string, { count: number; startMs: number }>();

  incr(key: string, done: (error: Error | null, state: { current: number; ttl: number }) => void, timeWindowMs: number): void {
    const nowMs = Date.now();
    let window = this.windows.get(key);
    if (window === undefined || window.startMs + timeWindowMs <= nowMs) {
      window = { count: 0, startMs: nowMs };
      if (this.windows.size >= RATE_LIMIT_CLIENTS_MAX) this.windows.delete(this.windows.keys().next().value!);
    }
    window.count += 1;
    this.windows.delete(key);
    this.windows.set(key, window);
    done(null, { current: window.count, ttl: window.startMs + timeWindowMs - nowMs });
  }

  read(key: string, done: (error: Error | null, state: { current: number; ttl: number }) => void, timeWindowMs: number): void {
    const window = this.windows.get(key);
    const ttl = window === undefined ? 0 : window.startMs + timeWindowMs - Date.now();
    done(null, ttl > 0 ? { current: window!.count, ttl } : { current: 0, ttl: 0 });
  }

  child(): GroupedStore {
    return this;
  }
}
