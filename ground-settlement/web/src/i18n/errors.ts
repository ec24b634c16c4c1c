/** What to tell a person when a call failed (browser): the sentence for the ground's code, never the code. */
import { ApiCallError } from "../api.js";
import type { PageErrorCode, Words } from "./en.js";

export function describeError(error: unknown, t: Words): string {
  if (error instanceof ApiCallError) {
    const known = (t.errors as Record<string, string>)[error.code];
    if (known !== undefined) return known;
    return t.errors[error.status >= 500 ? "internal_error" : "unknown"];
  }
  return t.errors.unknown;
}

export type { PageErrorCode };
