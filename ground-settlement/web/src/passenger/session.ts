/** The passenger's web session (browser): the CSRF token is kept in memory and re-read after a reload. */
import { ApiCallError, api, rememberCsrfToken } from "../api.js";

export interface Me {
  readonly passengerId: string;
  readonly email: string;
  readonly displayName: string;
  readonly wallets: readonly { currency: string; postedMinor: number; heldMinor: number; availableMinor: number }[];
}

/** The logged-in passenger, or undefined. Offline, the last profile the service worker kept. */
export async function currentPassenger(): Promise<Me | undefined> {
  try {
    const session = await api<{ csrfToken: string }>("GET", "/web/session");
    rememberCsrfToken(session.csrfToken);
  } catch (error) {
    if (error instanceof ApiCallError && error.status === 401) return undefined;
    if (!(error instanceof ApiCallError && error.code === "offline")) throw error;
  }
  return api<Me>("GET", "/me");
}

export async function logIn(email: string, password: string): Promise<void> {
  const session = await api<{ csrfToken: string }>("POST", "/web/session", { email, password });
  rememberCsrfToken(session.csrfToken);
}

export async function signUp(email: string, password: string, displayName: string): Promise<void> {
  await api("POST", "/passengers", { email, password, displayName });
  await logIn(email, password);
}

export async function logOut(): Promise<void> {
  await api("DELETE", "/web/session");
  rememberCsrfToken(undefined);
  // Vouchers and statements kept for flight mode belong to this passenger only.
  await caches.delete("cabinpay-data-v1");
}
