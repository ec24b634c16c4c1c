/** Liveness and readiness, for load balancers and orchestrators. */
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { ErrorBody } from "../../plugins/errors.js";

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) });
const READY_TIMEOUT_MS = 2_000;

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/health",
    {
      config: { access: ["public"] },
      schema: { tags: ["service"], summary: "The process is alive", response: { 200: Type.Object({ status: Type.Literal("ok") }) } },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/ready",
    {
      config: { access: ["public"] },
      schema: {
        tags: ["service"],
        summary: "The database and Redis answer",
        response: {
          200: Type.Object({ status: Type.Literal("ready"), database: Check, redis: Check }),
          503: Type.Object({ status: Type.Literal("unavailable"), database: Check, redis: Check }),
          500: ErrorBody,
        },
      },
    },
    async (_request, reply) => {
      const [database, redis] = await Promise.all([probe(() => app.infra.database.ping()), probe(() => app.infra.redis.ping())]);
      const ready = database.ok && redis.ok;
      return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "unavailable", database, redis });
    },
  );
}

async function probe(check: () => Promise<unknown>): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      }),
    ]);
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
