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
  ) {
    super(message);
  }
}

export function rememberCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken !== undefined) headers["x-csrf-token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiCallError(0, "offline", "No connection. Your vouchers still show; the rest needs a connection.");
  }
  if (response.status === 204) return undefined as T;
  const answer = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!response.ok)
    throw new ApiCallError(response.status, answer.code ?? "error", answer.message ?? `the server answered ${response.status}`);
  return answer as T;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
