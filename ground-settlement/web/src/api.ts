/**
 * The pages' way to the ground's API (browser): same origin, the session in an HTTP-only cookie
 * the page never sees, and the session's CSRF token on every request that changes something.
 */
let csrfToken: string | undefined;

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The ground's details: for a refused catalog, its problems line by line. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function rememberCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Calls the API; `body` goes as JSON, or as is when `contentType` names another type (a CSV file). */
export async function api<T>(
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = contentType;
  if (method !== "GET" && csrfToken !== undefined) headers["x-csrf-token"] = csrfToken;
  const payload = body === undefined ? undefined : contentType === "application/json" ? JSON.stringify(body) : String(body);
  let response: Response;
  try {
    response = await fetch(path, { method, headers, credentials: "same-origin", ...(payload === undefined ? {} : { body: payload }) });
  } catch {
    throw new ApiCallError(0, "offline", "no connection");
  }
  if (response.status === 204) return undefined as T;
  const answer = (await response.json().catch(() => ({}))) as { code?: string; message?: string; details?: unknown };
  if (!response.ok)
    throw new ApiCallError(
      response.status,
      answer.code ?? "error",
      answer.message ?? `the server answered ${response.status}`,
      answer.details,
    );
  return answer as T;
}
