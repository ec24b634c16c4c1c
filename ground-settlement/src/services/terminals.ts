/** Terminal enrolment with one-time codes, flight assignment, revocation, and the list ops see. */
import { createHash, randomBytes } from "node:crypto";
import { ED25519_PUBLIC_KEY_BYTES, keyIdOf, newId } from "@cabinpay/shared";
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { enrolmentCodes, terminalFlights, terminals } from "../db/schema/terminals.js";
import { ApiError } from "../errors.js";
import { assignTrolley, flightsToAssign, requireTrolleyFree } from "./trolleys.js";

export const ENROLMENT_CODE_TTL_MS = 24 * 3_600_000;
// Crockford base32: no I, L, O, U, so a code read aloud or typed is hard to get wrong.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_CHARS = 12;

export interface EnrolmentTarget {
  readonly flightId?: string;
  /** Every leg of the rotation, instead of one flight. */
  readonly rotationId?: string;
  /** The trolley it sells from: required with a flight or a rotation. */
  readonly trolleyId?: string;
}

/** "K7Q2-9MX4-PT3B": 60 random bits, one use, expiring. Only its hash is stored. */
export async function createEnrolmentCode(
  db: Database,
  input: EnrolmentTarget & { name: string; nowMs: number },
): Promise<{ code: string; expiresAtMs: number }> {
  const flightIds = await targetFlights(db, input);
  // Said now, when ops can still pick another trolley, and again at enrolment (it may be taken since).
  if (input.trolleyId !== undefined) await requireTrolleyFree(db, { flightIds, trolleyId: input.trolleyId });
  const bytes = randomBytes(CODE_CHARS);
  const raw = Array.from(bytes, (b) => ALPHABET[b & 31]).join("");
  const expiresAtMs = input.nowMs + ENROLMENT_CODE_TTL_MS;
  await db.insert(enrolmentCodes).values({
    codeHash: codeHash(raw),
    name: input.name,
    flightId: input.flightId ?? null,
    rotationId: input.rotationId ?? null,
    trolleyId: input.trolleyId ?? null,
    createdAtMs: input.nowMs,
    expiresAtMs,
  });
  return { code: `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`, expiresAtMs };
}

async function targetFlights(db: Database, target: EnrolmentTarget): Promise<string[]> {
  if (target.flightId !== undefined && target.rotationId !== undefined)
    throw new ApiError("validation_failed", "name a flight or a rotation, not both");
  const flightIds = await flightsToAssign(db, target);
  if (flightIds.length > 0 !== (target.trolleyId !== undefined))
    throw new ApiError("validation_failed", "trolleyId: name the trolley together with the flight or rotation (and only then)");
  return flightIds;
}

export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
}

function codeHash(normalized: string): string {
  return createHash("sha256").update(`cabinpay-enrolment:${normalized}`).digest("hex");
}

export async function enrol(
  db: Database,
  input: { code: string; publicKey: Uint8Array; nowMs: number },
): Promise<{ terminalId: string; name: string; flightIds: string[]; trolleyId: string | null }> {
  if (input.publicKey.length !== ED25519_PUBLIC_KEY_BYTES)
    throw new ApiError("validation_failed", "publicKey must be a 32-byte Ed25519 public key");
  return db.transaction(async (tx) => {
    const [code] = await tx
      .select()
      .from(enrolmentCodes)
      .where(eq(enrolmentCodes.codeHash, codeHash(normalizeCode(input.code))))
      .for("update");
    if (code === undefined || code.usedAtMs !== null || code.expiresAtMs <= input.nowMs) {
      throw new ApiError("enrolment_code_invalid", "this enrolment code is unknown, used or expired: ask ops for a new one");
    }
    const terminalId = newId();
    await tx.insert(terminals).values({ id: terminalId, name: code.name, publicKey: input.publicKey, enrolledAtMs: input.nowMs });
    await tx.update(enrolmentCodes).set({ usedAtMs: input.nowMs, terminalId }).where(eq(enrolmentCodes.codeHash, code.codeHash));
    const target = {
      ...(code.flightId === null ? {} : { flightId: code.flightId }),
      ...(code.rotationId === null ? {} : { rotationId: code.rotationId }),
    };
    const flightIds = await flightsToAssign(tx, target);
    if (code.trolleyId !== null) await assignTrolley(tx, { terminalId, flightIds, trolleyId: code.trolleyId, nowMs: input.nowMs });
    return { terminalId, name: code.name, flightIds, trolleyId: code.trolleyId };
  });
}

/**
 * Revokes a lost or stolen terminal: every request signed by its key is refused from now on.
 * What it uploaded before stays (it is evidence, and it is settled). Revoking again changes nothing.
 */
export async function revokeTerminal(
  db: Database,
  input: { terminalId: string; actor: string; nowMs: number },
): Promise<{ terminalId: string; revokedAtMs: number; revokedBy: string }> {
  await db
    .update(terminals)
    .set({ revokedAtMs: input.nowMs, revokedBy: input.actor })
    .where(and(eq(terminals.id, input.terminalId), isNull(terminals.revokedAtMs)));
  const [terminal] = await db
    .select({ revokedAtMs: terminals.revokedAtMs, revokedBy: terminals.revokedBy })
    .from(terminals)
    .where(eq(terminals.id, input.terminalId));
  if (terminal === undefined) throw new ApiError("terminal_not_found", `no terminal ${input.terminalId}`);
  return { terminalId: input.terminalId, revokedAtMs: terminal.revokedAtMs!, revokedBy: terminal.revokedBy! };
}

export async function listTerminals(db: Database) {
  const rows = await db.select().from(terminals).orderBy(terminals.enrolledAtMs).limit(1000);
  const assignments =
    rows.length === 0
      ? []
      : await db
          .select()
          .from(terminalFlights)
          .where(
            inArray(
              terminalFlights.terminalId,
              rows.map((t) => t.id),
            ),
          );
  return rows.map((terminal) => ({
    terminalId: terminal.id,
    name: terminal.name,
    keyId: keyIdOf(terminal.publicKey),
    enrolledAtMs: terminal.enrolledAtMs,
    revokedAtMs: terminal.revokedAtMs,
    flightIds: assignments.filter((a) => a.terminalId === terminal.id).map((a) => a.flightId),
  }));
}
