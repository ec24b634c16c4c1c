/**
 * The ground's certificate of a terminal's device key (`shared/src/receipt/certificate.ts`): given
 * at enrolment and again with every list of assignments, so a terminal always holds one that
 * covers the days ahead. Passengers' phones check the terminal's receipts against it offline.
 */
import { certifyDevice, toBase64Url } from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { terminals } from "../db/schema/terminals.js";
import { ApiError } from "../errors.js";
import type { KeyStore } from "../keys/key-store.js";

/** Long enough for a day's rotation and its late uploads; renewed with every assignments call. */
export const CERTIFICATE_VALIDITY_MS = 30 * 24 * 3_600_000;
/**
 * Receipts carry the terminal's clock, which may be behind the ground's (it learns the offset for
 * its requests, not for its records): the certificate starts a week back so a slow terminal's
 * receipts still fall inside it.
 */
export const CERTIFICATE_BACKDATE_MS = 7 * 24 * 3_600_000;

/** Base64url of a fresh certificate for the terminal's key, signed by the ground's manifest key. */
export async function deviceCertificate(db: Executor, keys: KeyStore, terminalId: string, nowMs: number): Promise<string> {
  const [terminal] = await db
    .select({ id: terminals.id, name: terminals.name, publicKey: terminals.publicKey })
    .from(terminals)
    .where(eq(terminals.id, terminalId));
  if (terminal === undefined) throw new ApiError("not_found", `no terminal ${terminalId}`);
  const certificate = certifyDevice(
    {
      terminalId: terminal.id,
      devicePublicKey: terminal.publicKey,
      terminalName: terminal.name,
      issuedAtMs: Math.max(0, nowMs - CERTIFICATE_BACKDATE_MS),
      expiresAtMs: nowMs + CERTIFICATE_VALIDITY_MS,
    },
    keys.manifestSigner,
  );
  return toBase64Url(certificate.bytes);
}
