/**
 * Voucher issuer keys: one active key signs new vouchers; rotation retires it but keeps it trusted
 * for as long as a voucher it signed can still be valid, so rotation never strands a passenger.
 * Revocation is for a key that leaked: it leaves every trust list at once, the ground refuses
 * vouchers under it from then on, and the open registrations it signed get a voucher under the
 * active key (the passenger's page shows the new one).
 */
import { LIMITS, type Signer } from "@cabinpay/shared";
import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { issuerKeys, registrations } from "../db/schema/registrations.js";
import { ApiError } from "../errors.js";
import type { KeyStore } from "../keys/key-store.js";
import { signVoucher } from "./vouchers.js";

export async function rotateIssuerKey(db: Executor, keys: KeyStore, nowMs: number): Promise<string> {
  const signer = keys.createIssuerKey();
  await db.transaction(async (tx) => {
    await tx.update(issuerKeys).set({ status: "retired", retiredAtMs: nowMs }).where(eq(issuerKeys.status, "active"));
    await tx.insert(issuerKeys).values({ keyId: signer.keyId, publicKey: signer.publicKey, status: "active", createdAtMs: nowMs });
  });
  return signer.keyId;
}

/**
 * The key that signs new vouchers; the first one is made on first use. Its row is held shared, so
 * a revocation (which holds it exclusively) either commits first, and the key is read again, or
 * waits until this voucher is stored and then reissues it with the other open ones.
 */
export async function activeIssuer(db: Executor, keys: KeyStore, nowMs: number): Promise<Signer> {
  const active = async () =>
    (
      await db
        .select({ keyId: issuerKeys.keyId })
        .from(issuerKeys)
        .where(eq(issuerKeys.status, "active"))
        .orderBy(desc(issuerKeys.createdAtMs))
        .limit(1)
        .for("share")
    )[0];
  // Waiting on a revocation ends with the row no longer active: the key it made is read anew.
  const keyId = (await active())?.keyId ?? (await active())?.keyId ?? (await rotateIssuerKey(db, keys, nowMs));
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

export interface Revocation {
  readonly keyId: string;
  readonly revokedAtMs: number;
  readonly revokedBy: string;
  /** The key that signs vouchers now (a new one if the revoked key was active). */
  readonly activeKeyId: string;
  /** Open registrations whose voucher was signed again under the active key. */
  readonly reissued: number;
}

/** Revokes a leaked issuer key; revoking it again answers with the first revocation. */
export async function revokeIssuerKey(
  db: Executor,
  keys: KeyStore,
  input: { keyId: string; actor: string; nowMs: number },
): Promise<Revocation> {
  return db.transaction(async (tx) => {
    const [key] = await tx.select().from(issuerKeys).where(eq(issuerKeys.keyId, input.keyId)).for("update");
    if (key === undefined) throw new ApiError("issuer_key_not_found", `no issuer key ${input.keyId}`);
    if (key.status === "revoked") {
      const active = await activeIssuer(tx, keys, input.nowMs);
      return { keyId: key.keyId, revokedAtMs: key.revokedAtMs!, revokedBy: key.revokedBy!, activeKeyId: active.keyId, reissued: 0 };
    }
    await tx
      .update(issuerKeys)
      .set({ status: "revoked", revokedAtMs: input.nowMs, revokedBy: input.actor })
      .where(eq(issuerKeys.keyId, key.keyId));
    // A new active key is made here if the revoked one was active.
    const active = await activeIssuer(tx, keys, input.nowMs);
    const open = await tx
      .select({ registration: registrations, flight: flights })
      .from(registrations)
      .innerJoin(flights, eq(flights.id, registrations.flightId))
      .where(and(eq(registrations.issuerKeyId, key.keyId), eq(registrations.status, "active"), isNull(flights.closedAtMs)))
      .orderBy(registrations.id)
      .for("update", { of: registrations });
    for (const { registration, flight } of open) {
      const voucher = signVoucher(flight, registration, active);
      await tx
        .update(registrations)
        .set({ voucherText: voucher.text, issuerKeyId: active.keyId })
        .where(eq(registrations.id, registration.id));
    }
    return { keyId: key.keyId, revokedAtMs: input.nowMs, revokedBy: input.actor, activeKeyId: active.keyId, reissued: open.length };
  });
}

export async function listIssuerKeys(db: Executor) {
  return db
    .select({
      keyId: issuerKeys.keyId,
      status: issuerKeys.status,
      createdAtMs: issuerKeys.createdAtMs,
      retiredAtMs: issuerKeys.retiredAtMs,
      revokedAtMs: issuerKeys.revokedAtMs,
    })
    .from(issuerKeys)
    .orderBy(desc(issuerKeys.createdAtMs));
}
