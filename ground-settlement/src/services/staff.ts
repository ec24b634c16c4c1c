/**
 * Ops and finance people: accounts with a password and a role, made from the command line, and
 * their web sessions (8 hours: a working day). Programs use API keys instead.
 */
import { newId } from "@cabinpay/shared";
import { and, eq, isNull } from "drizzle-orm";
import { hashPassword, PASSWORD_LENGTH, unknownAccountVerifier, verifyPassword } from "../auth/passwords.js";
import { newToken, STAFF_SESSION_PREFIX } from "../auth/tokens.js";
import type { Database } from "../db/client.js";
import { type StaffRole, staffSessions, staffUsers } from "../db/schema/identity.js";
import { ApiError } from "../errors.js";

export const STAFF_SESSION_TTL_MS = 8 * 3_600_000;

export interface StaffSession {
  readonly staffId: string;
  readonly role: StaffRole;
  readonly displayName: string;
  readonly token: string;
  readonly expiresAtMs: number;
}

export async function createStaffUser(
  db: Database,
  input: { email: string; displayName: string; role: StaffRole; password: string; nowMs: number; costLog2N: number },
): Promise<{ staffId: string }> {
  if (input.password.length < PASSWORD_LENGTH.min || input.password.length > PASSWORD_LENGTH.max)
    throw new ApiError("validation_failed", `a password has ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`);
  const staffId = newId();
  const inserted = await db
    .insert(staffUsers)
    .values({
      id: staffId,
      email: input.email.toLowerCase(),
      displayName: input.displayName.trim(),
      role: input.role,
      passwordHash: await hashPassword(input.password, input.costLog2N),
      createdAtMs: input.nowMs,
    })
    .onConflictDoNothing()
    .returning({ id: staffUsers.id });
  if (inserted.length === 0) throw new ApiError("email_taken", `a staff account with ${input.email} exists`);
  return { staffId };
}

export async function staffLogIn(
  db: Database,
  input: { email: string; password: string; nowMs: number; costLog2N: number },
): Promise<StaffSession> {
  const [user] = await db
    .select()
    .from(staffUsers)
    .where(and(eq(staffUsers.email, input.email.toLowerCase()), isNull(staffUsers.disabledAtMs)));
  // The same work whether or not the account exists: the answer time tells nothing.
  const ok = await verifyPassword(input.password, user?.passwordHash ?? unknownAccountVerifier(input.costLog2N));
  if (user === undefined || !ok) throw new ApiError("invalid_credentials", "wrong e-mail or password");
  const { token, hash } = newToken(STAFF_SESSION_PREFIX);
  const expiresAtMs = input.nowMs + STAFF_SESSION_TTL_MS;
  await db.insert(staffSessions).values({ tokenHash: hash, staffId: user.id, createdAtMs: input.nowMs, expiresAtMs });
  return { staffId: user.id, role: user.role, displayName: user.displayName, token, expiresAtMs };
}

export async function staffLogOut(db: Database, tokenHash: string): Promise<void> {
  await db.delete(staffSessions).where(eq(staffSessions.tokenHash, tokenHash));
}
