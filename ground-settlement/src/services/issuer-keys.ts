/**
 * Voucher issuer keys: one active key signs new vouchers; rotation retires it but keeps it trusted
 * for as long as a voucher it signed can still be valid, so rotation never strands a passenger.
 */
import { LIMITS, type Signer } from "@cabinpay/shared";
import { and, desc, eq, gt, or } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { issuerKeys } from "../db/schema/registrations.js";
import { ApiError } from "../errors.js";
import type { KeyStore } from "../keys/key-store.js";

export async function rotateIssuerKey(db: Executor, keys: KeyStore, nowMs: number): Promise<string> {
  const signer = keys.createIssuerKey();
  await db.transaction(async (tx) => {
    await tx.update(issuerKeys).set({ status: "retired", retiredAtMs: nowMs }).where(eq(issuerKeys.status, "active"));
    await tx.insert(issuerKeys).values({ keyId: signer.keyId, publicKey: signer.publicKey, status: "active", createdAtMs: nowMs });
  });
  return signer.keyId;
}

/** The key that signs new vouchers; the first one is made on first use. */
export async function activeIssuer(db: Executor, keys: KeyStore, nowMs: number): Promise<Signer> {
  const [active] = await db.select().from(issuerKeys).where(eq(issuerKeys.status, "active")).orderBy(desc(issuerKeys.createdAtMs)).limit(1);
  const keyId = active?.keyId ?? (await rotateIssuerKey(db, keys, nowMs));
  const signer = keys.issuerSigner(keyId);
  if (signer === undefined)
    throw new ApiError("no_issuer_key", `the secret of issuer key ${keyId} is missing from DATA_DIR/keys: restore it or rotate`);
  return signer;
}

/** Public keys a terminal must trust: the active key and keys retired within a voucher's lifetime. */
export async function trustedIssuerKeys(db: Executor, nowMs: number): Promise<Uint8Array[]> {
  const rows = await db
    .select({ publicKey: issuerKeys.publicKey })
    .from(issuerKeys)
    .where(
      or(
        eq(issuerKeys.status, "active"),
        and(eq(issuerKeys.status, "retired"), gt(issuerKeys.retiredAtMs, nowMs - LIMITS.voucherValidityMsMax)),
      ),
    )
    .orderBy(desc(issuerKeys.createdAtMs))
    .limit(LIMITS.manifestTrustedKeysMax);
  return rows.map((row) => row.publicKey);
}

/** The trust list for terminals: never empty, because the first issuer key is made on demand. */
export async function trustListFor(db: Executor, keys: KeyStore, nowMs: number): Promise<Uint8Array[]> {
  const trusted = await trustedIssuerKeys(db, nowMs);
  return trusted.length > 0 ? trusted : [(await activeIssuer(db, keys, nowMs)).publicKey];
}

export async function listIssuerKeys(db: Executor) {
  return db
    .select({
      keyId: issuerKeys.keyId,
      status: issuerKeys.status,
      createdAtMs: issuerKeys.createdAtMs,
      retiredAtMs: issuerKeys.retiredAtMs,
    })
    .from(issuerKeys)
    .orderBy(desc(issuerKeys.createdAtMs));
}
