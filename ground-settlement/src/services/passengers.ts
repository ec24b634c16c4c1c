/** Passenger accounts: sign-up, log-in (session tokens), log-out, profile with wallet balances. */
import { isCurrencyCode, newId } from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import { hashPassword, unknownAccountVerifier, verifyPassword } from "../auth/passwords.js";
import { newToken, SESSION_PREFIX } from "../auth/tokens.js";
import type { Database } from "../db/client.js";
import { passengers, sessions } from "../db/schema/identity.js";
import { accounts } from "../db/schema/ledger.js";
import { ApiError } from "../errors.js";
import { balanceOf, fundWallet, getAccount, walletAccount } from "../ledger/ledger.js";

export const SESSION_TTL_MS = 7 * 24 * 3_600_000;

export interface Session {
  readonly passengerId: string;
  readonly token: string;
  readonly expiresAtMs: number;
}

export async function signUp(
  db: Database,
  input: { email: string; password: string; displayName: string; nowMs: number; costLog2N: number },
): Promise<Session> {
  const passengerId = newId();
  const passwordHash = await hashPassword(input.password, input.costLog2N);
  const inserted = await db
    .insert(passengers)
    .values({
      id: passengerId,
      email: input.email.toLowerCase(),
      displayName: input.displayName.trim(),
      passwordHash,
      createdAtMs: input.nowMs,
    })
    .onConflictDoNothing()
    .returning({ id: passengers.id });
  if (inserted.length === 0) throw new ApiError("email_taken", "an account with this e-mail exists: log in instead");
  return startSession(db, passengerId, input.nowMs);
}

export async function logIn(db: Database, input: { email: string; password: string; nowMs: number; costLog2N: number }): Promise<Session> {
  const [passenger] = await db.select().from(passengers).where(eq(passengers.email, input.email.toLowerCase()));
  const ok = await verifyPassword(input.password, passenger?.passwordHash ?? unknownAccountVerifier(input.costLog2N));
  if (passenger === undefined || !ok) throw new ApiError("invalid_credentials", "wrong e-mail or password");
  return startSession(db, passenger.id, input.nowMs);
}

export async function logOut(db: Database, sessionHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, sessionHash));
}

export async function profile(db: Database, passengerId: string) {
  const [passenger] = await db.select().from(passengers).where(eq(passengers.id, passengerId));
  if (passenger === undefined) throw new ApiError("unauthenticated", "the account no longer exists");
  const wallets = await db.select().from(accounts).where(eq(accounts.ownerId, passengerId));
  return {
    passengerId: passenger.id,
    email: passenger.email,
    displayName: passenger.displayName,
    wallets: wallets.map((account) => {
      const balance = balanceOf(account);
      return {
        currency: account.currency,
        postedMinor: balance.postedMinor,
        heldMinor: balance.pendingDebitsMinor,
        availableMinor: balance.availableMinor,
      };
    }),
  };
}

/** For ops, who add money to an account a passenger names by e-mail: the account and its wallets. */
export async function passengerByEmail(db: Database, email: string) {
  const [passenger] = await db.select({ id: passengers.id }).from(passengers).where(eq(passengers.email, email.toLowerCase()));
  if (passenger === undefined) throw new ApiError("account_not_found", "no passenger account with this e-mail");
  return profile(db, passenger.id);
}

async function startSession(db: Database, passengerId: string, nowMs: number): Promise<Session> {
  const { token, hash } = newToken(SESSION_PREFIX);
  const expiresAtMs = nowMs + SESSION_TTL_MS;
  await db.insert(sessions).values({ tokenHash: hash, passengerId, createdAtMs: nowMs, expiresAtMs });
  return { passengerId, token, expiresAtMs };
}

/** Ops top up a passenger's wallet (idempotent on the transfer id); answers the wallet after. */
export async function fundPassengerWallet(
  db: Database,
  input: { transferId: string; passengerId: string; currency: string; amountMinor: number; actor: string; nowMs: number },
) {
  if (!isCurrencyCode(input.currency)) throw new ApiError("validation_failed", `unsupported currency ${input.currency}`);
  return db.transaction(async (tx) => {
    const [passenger] = await tx.select({ id: passengers.id }).from(passengers).where(eq(passengers.id, input.passengerId));
    if (passenger === undefined) throw new ApiError("account_not_found", `no passenger ${input.passengerId}`);
    const wallet = await walletAccount(tx, input.passengerId, input.currency, input.nowMs);
    const { status } = await fundWallet(tx, {
      transferId: input.transferId,
      walletAccountId: wallet.id,
      amountMinor: input.amountMinor,
      nowMs: input.nowMs,
      reference: `ops:${input.actor}`,
    });
    const balance = balanceOf(await getAccount(tx, wallet.id));
    return {
      status,
      wallet: {
        currency: input.currency,
        postedMinor: balance.postedMinor,
        heldMinor: balance.pendingDebitsMinor,
        availableMinor: balance.availableMinor,
      },
    };
  });
}
