import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { ConfigError, loadConfig } from "../src/config.js";
import { createTestApp, type TestApp } from "./support/app.js";

describe("configuration", () => {
  it("has sensible defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: "127.0.0.1",
      databaseUrl: undefined,
      redisUrl: "redis://127.0.0.1:6379",
      queuePrefix: "cabinpay",
    });
    expect(config.dataDir).toMatch(/\.cabinpay\/ground$/);
  });

  it("reports every bad value at once, saying what was expected", () => {
    try {
      loadConfig({
        PORT: "eighty",
        DATABASE_URL: "mysql://x",
        REDIS_URL: "::",
        LOG_LEVEL: "loud",
        QUEUE_PREFIX: "a b",
        PG_NAMED_STATEMENTS_MAX: "all of them",
      });
      throw new Error("accepted a bad configuration");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join("\n");
      expect(problems).toMatch(/PORT="eighty": expected a whole number from 0 to 65535/);
      expect(problems).toMatch(/DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/);
      expect(problems).toMatch(/REDIS_URL: not a URL/);
      expect(problems).toMatch(/LOG_LEVEL="loud"/);
      expect(problems).toMatch(/QUEUE_PREFIX/);
      expect(problems).toMatch(/PG_NAMED_STATEMENTS_MAX="all of them": expected a whole number from 0 to 4096/);
    }
  });
});

describe("the service", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp("pglite");
  });
  afterAll(async () => {
    await t.close();
  });

  it("is alive and ready when the database and Redis answer", async () => {
    expect((await t.app.inject({ method: "GET", url: "/health" })).json()).toEqual({ status: "ok" });
    const ready = await t.app.inject({ method: "GET", url: "/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready", database: { ok: true }, redis: { ok: true } });
  });

  it("answers unknown routes with the standard error body", async () => {
    const response = await t.app.inject({ method: "GET", url: "/no/such/route?x=1" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: "not_found", message: "no route GET /no/such/route" });
    expect(response.json().requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("describes its API as OpenAPI at /docs", async () => {
    const spec = (await t.app.inject({ method: "GET", url: "/docs/json" })).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toContain("/ready");
  });

  it("refuses to start with a route that does not declare who may call it", async () => {
    const app = await buildApp(t.infra);
    expect(() => app.get("/undeclared", async () => "x")).toThrow(/must declare config.access/);
    await app.close();
  });

  it("hides the details of an internal error", async () => {
    const app = await buildApp(t.infra);
    app.get("/boom", { config: { access: ["public"] } }, async () => {
      throw new Error("secret table name leaked");
    });
    const response = await app.inject({ method: "GET", url: "/boom" });
    expect(response.statusCode).toBe(500);
    expect(response.json().code).toBe("internal_error");
    expect(response.body).not.toMatch(/secret/);
    await app.close();
  });

  it("reports not ready, with the reason, when Redis is gone", async () => {
    const dead = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on("error", () => {});
    const app = await buildApp({ ...t.infra, redis: dead });
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: "unavailable", database: { ok: true }, redis: { ok: false } });
    await app.close();
    dead.disconnect();
  });
});
