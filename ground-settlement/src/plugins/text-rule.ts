/**
 * The shared text rule (`@cabinpay/shared` textProblem) on every JSON body, query and path
 * parameter, before schema validation: a control character (a NUL would reach PostgreSQL, which
 * refuses it with a 500) or a lone surrogate anywhere is a 400 naming the field, and every string
 * is stored in NFC. CSV bodies keep their line breaks and are checked cell by cell by their parser.
 */
import { describeTextProblem, normalizeText, textProblem } from "@cabinpay/shared";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { ApiError } from "../errors.js";

/** Values walked per request at most (bodies are already bounded in bytes), and how deep. */
const VALUES_MAX = 100_000;
/** No route's schema nests deeper than a few levels; deeper is refused before it can exhaust the stack. */
const DEPTH_MAX = 32;

export const textRulePlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook("preValidation", async (request: FastifyRequest) => {
      request.query = normalized(request.query, "query");
      request.params = normalized(request.params, "params");
      if (typeof request.body === "object" && request.body !== null && !Buffer.isBuffer(request.body)) {
        request.body = normalized(request.body, "body");
      }
    });
  },
  { name: "text-rule" },
);

/** The value with every string in NFC; throws at the first string that breaks the rule. */
function normalized<T>(root: T, where: string): T {
  let visited = 0;
  const walk = (value: unknown, path: string, depth: number): unknown => {
    visited += 1;
    if (visited > VALUES_MAX) throw new ApiError("validation_failed", `request ${where}: more than ${VALUES_MAX} values`);
    if (depth > DEPTH_MAX) throw new ApiError("validation_failed", `request ${where}: nested more than ${DEPTH_MAX} levels deep`);
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem !== undefined)
        throw new ApiError("validation_failed", `request ${path} ${describeTextProblem(problem)}`, { field: path });
      return normalizeText(value);
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, `${path}/${index}`, depth + 1));
    if (typeof value === "object" && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const keyProblem = textProblem(key);
        if (keyProblem !== undefined)
          throw new ApiError("validation_failed", `request ${where}: a field name ${describeTextProblem(keyProblem)}`);
        out[key] = walk(item, `${path}/${key}`, depth + 1);
      }
      return out;
    }
    return value;
  };
  return walk(root, where, 0) as T;
}
