import { newId } from "@cabinpay/shared";
import { API_KEY_PREFIX, newToken } from "../auth/tokens.js";
import type { Executor } from "../db/client.js";
import { apiKeys, type StaffRole } from "../db/schema/identity.js";

/** Creates a staff API key; the secret is returned once and only its hash is kept. */
export async function createApiKey(
  db: Executor,
  input: { name: string; role: StaffRole; nowMs: number },
): Promise<{ id: string; key: string }> {
  const { token, hash } = newToken(API_KEY_PREFIX);
  const id = newId();
  await db.insert(apiKeys).values({ id, name: input.name, role: input.role, secretHash: hash, createdAtMs: input.nowMs });
  return { id, key: token };
}
