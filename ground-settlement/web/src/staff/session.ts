/** An ops or finance person's web session (browser): role and CSRF token, kept in memory. */
import { ApiCallError, api, rememberCsrfToken } from "../api.js";

export type StaffRole = "ops" | "finance";

export async function currentStaff(): Promise<StaffRole | undefined> {
  try {
    const session = await api<{ role: StaffRole; csrfToken: string }>("GET", "/web/staff-session");
    rememberCsrfToken(session.csrfToken);
    return session.role;
  } catch (error) {
    if (error instanceof ApiCallError && (error.status === 401 || error.status === 403)) return undefined;
    throw error;
  }
}

export async function staffLogIn(email: string, password: string): Promise<StaffRole> {
  const session = await api<{ role: StaffRole; csrfToken: string }>("POST", "/web/staff-session", { email, password });
  rememberCsrfToken(session.csrfToken);
  return session.role;
}

export async function staffLogOut(): Promise<void> {
  await api("DELETE", "/web/staff-session");
  rememberCsrfToken(undefined);
}
