/**
 * Registrations: a passenger's cap for one flight, held on their wallet (a pending transfer to the
 * in-flight holds account) and vouched for by a signed voucher.
 */
import { convertMinor, isDevicePublicKey, LIMITS, money, newId, rateFor } from "@cabinpay/shared";
import { and, desc, eq } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { constraintOf } from "../db/constraint.js";
import { flights } from "../db/schema/flights.js";
import { passengers } from "../db/schema/identity.js";
import { registrations } from "../db/schema/registrations.js";
import { ApiError } from "../errors.js";
import type { KeyStore } from "../keys/key-store.js";
import { airlineAccount, createPending, voidPending, walletAccount } from "../ledger/ledger.js";
import { type Flight, getFlight } from "./flights.js";
import { activeIssuer } from "./issuer-keys.js";
import { ratesOf } from "./rates.js";
import { refuseIfOwing } from "./shortfalls.js";
import { signVoucher } from "./vouchers.js";

export type Registration = typeof registrations.$inferSelect;

/** A hold lives until well after landing so that late uploads still settle against it. */
export const HOLD_AFTER_DEPARTURE_MS = 7 * 24 * 3_600_000;
const SEAT_PATTERN = /^[1-9][0-9]{0,2}[A-Z]$/;

export interface RegisterInput {
  readonly passengerId: string;
  readonly flightId: string;
  readonly capMinor: number;
  readonly seat?: string;
  /** As printed on the boarding pass; defaults to the account's display name. */
  readonly passengerName?: string;
  /**
   * The passenger's idempotency key, to make a retried request safe. It is not the registration's
   * id (the ground chooses that), and it is looked up among this passenger's registrations only.
   */
  readonly requestId?: string;
  /**
   * The account currency the hold and the debit are in; the flight's by default. Another one
   * needs the flight's rate into it, at which the cap limit converts and every sale is debited.
   */
  readonly currency?: string;
  /** The passenger's phone key (compressed P-256, 33 bytes): the voucher is bound to it and pays only as rotating codes. */
  readonly devicePublicKey?: Uint8Array;
  readonly nowMs: number;
}

export async function register(
  db: Database,
  keys: KeyStore,
  input: RegisterInput,
): Promise<{ registration: Registration; created: boolean }> {
  try {
    return await db.transaction(async (tx) => {
      // One registration request at a time per passenger (this lock comes before the lock order of
      // `lockAccounts`): a retried request then always finds the first one's row, never a race.
      await tx.select({ id: passengers.id }).from(passengers).where(eq(passengers.id, input.passengerId)).for("update");
      await refuseIfOwing(tx, input.passengerId);
      // Shared with other registrations, exclusive with the flight's close: a registration either
      // commits before the close (which then releases its hold) or sees the flight closed.
      await tx.select({ id: flights.id }).from(flights).where(eq(flights.id, input.flightId)).for("share");
      const flight = await getFlight(tx, input.flightId);
      const earlier = await earlierRequest(tx, input);
      if (earlier !== undefined) return { registration: earlier, created: false };
      const registrationId = newId();
      const { currency } = await checkRegistrable(tx, flight, input);
      return { registration: await holdAndIssue(tx, keys, { input, flight, registrationId, currency }), created: true };
    });
  } catch (error) {
    // Two registrations racing: the partial unique index lets one through.
    if (constraintOf(error) === "registrations_one_active") throw new ApiError("already_registered", "already registered for this flight");
    throw error;
  }
}

/** Open, a cap in range, a seat like 32A, not registered already: else refused with why. */
async function checkRegistrable(tx: Executor, flight: Flight, input: RegisterInput): Promise<{ currency: string }> {
  // A flight that has landed or closed takes no more registrations, whatever its cut-off says:
  // its holds would never be released.
  if (input.nowMs >= flight.registrationClosesAtMs || flight.landedAtMs !== null || flight.closedAtMs !== null) {
    const why =
      flight.landedAtMs === null && flight.closedAtMs === null
        ? `closed at ${new Date(flight.registrationClosesAtMs).toISOString()}`
        : "closed: the flight has landed";
    throw new ApiError("registration_closed", `registration for ${flight.carrier}${flight.number} ${why}`);
  }
  const { currency, capMinorMax } = await accountTerms(tx, flight, input.currency);
  if (input.capMinor < 1 || input.capMinor > capMinorMax) {
    throw new ApiError("cap_out_of_range", `the cap must be from 1 to ${capMinorMax} minor units of ${currency}`, { capMinorMax });
  }
  if (input.seat !== undefined && !SEAT_PATTERN.test(input.seat)) throw new ApiError("validation_failed", "seat like 32A");
  if (input.devicePublicKey !== undefined && !isDevicePublicKey(input.devicePublicKey))
    throw new ApiError("device_key_invalid", "devicePublicKey is not a compressed P-256 public key (33 bytes)");
  const [active] = await tx
    .select({ id: registrations.id })
    .from(registrations)
    .where(
      and(eq(registrations.passengerId, input.passengerId), eq(registrations.flightId, flight.id), eq(registrations.status, "active")),
    );
  if (active !== undefined)
    throw new ApiError("already_registered", "already registered for this flight: cancel it first to change the cap", {
      registrationId: active.id,
    });

  return { currency };
}

/** Holds the cap on the wallet and signs the voucher: the registration as stored. */
async function holdAndIssue(
  tx: Executor,
  keys: KeyStore,
  { input, flight, registrationId, currency }: { input: RegisterInput; flight: Flight; registrationId: string; currency: string },
): Promise<Registration> {
  // The issuer key's row before any account (the lock order: a revocation holds the key, then
  // waits for registrations).
  const issuer = await activeIssuer(tx, keys, input.nowMs);
  const [passenger] = await tx.select().from(passengers).where(eq(passengers.id, input.passengerId));
  const passengerName = fitName(input.passengerName ?? passenger!.displayName);
  const wallet = await walletAccount(tx, input.passengerId, currency, input.nowMs);
  const holds = await airlineAccount(tx, "inflight_holds", currency, input.nowMs);
  const hold = await createPending(tx, {
    id: newId(),
    debitAccountId: wallet.id,
    creditAccountId: holds.id,
    amountMinor: input.capMinor,
    currency,
    code: "hold",
    reference: registrationId,
    nowMs: input.nowMs,
    expiresAtMs: flight.departureAtMs + HOLD_AFTER_DEPARTURE_MS,
  });
  const source = {
    id: registrationId,
    walletAccountId: wallet.id,
    capMinor: input.capMinor,
    currency,
    passengerName,
    seat: input.seat ?? null,
    devicePublicKey: input.devicePublicKey ?? null,
  };
  const voucher = signVoucher(flight, source, issuer);
  const [registration] = await tx
    .insert(registrations)
    .values({
      id: registrationId,
      passengerId: input.passengerId,
      flightId: flight.id,
      walletAccountId: wallet.id,
      holdTransferId: hold.transfer.id,
      currentHoldTransferId: hold.transfer.id,
      capMinor: input.capMinor,
      currency,
      status: "active",
      issuerKeyId: issuer.keyId,
      voucherText: voucher.text,
      passengerName,
      seat: input.seat ?? null,
      devicePublicKey: input.devicePublicKey ?? null,
      validUntilMs: voucher.validUntilMs,
      createdAtMs: input.nowMs,
      requestId: input.requestId ?? null,
    })
    .returning();
  return registration!;
}

/** The currency of the hold and debit, and the cap limit in it (the flight's, converted at its rate). */
async function accountTerms(tx: Executor, flight: Flight, wanted: string | undefined): Promise<{ currency: string; capMinorMax: number }> {
  if (wanted === undefined || wanted === flight.currency) return { currency: flight.currency, capMinorMax: flight.capMinorMax };
  const rate = rateFor(await ratesOf(tx, flight.id), wanted);
  if (rate === undefined)
    throw new ApiError(
      "no_rate",
      `${flight.carrier}${flight.number} sells in ${flight.currency} and has no rate into ${wanted}: register in ${flight.currency}, or ask the airline`,
    );
  return { currency: wanted, capMinorMax: convertMinor(money(flight.capMinorMax, flight.currency), rate).amountMinor };
}

/** The registration this passenger's same request made before, if any; another request with its key is a conflict. */
async function earlierRequest(tx: Executor, input: RegisterInput): Promise<Registration | undefined> {
  if (input.requestId === undefined) return undefined;
  const [earlier] = await tx
    .select()
    .from(registrations)
    .where(and(eq(registrations.passengerId, input.passengerId), eq(registrations.requestId, input.requestId)));
  if (earlier === undefined) return undefined;
  const same =
    earlier.flightId === input.flightId &&
    earlier.capMinor === input.capMinor &&
    earlier.seat === (input.seat ?? null) &&
    (input.passengerName === undefined || earlier.passengerName === fitName(input.passengerName));
  if (!same) throw new ApiError("exists_with_different_fields", "this request id was used for another registration: send a new one");
  return earlier;
}

/**
 * Cancels a registration and revokes its voucher. Before any terminal was served the flight's
 * manifest, nothing can have been sold against it and the hold is released at once. After, the
 * voucher may be in a terminal that is offline with an older manifest: later manifests revoke it,
 * but the hold is kept until the flight closes so that sales made against it are still collected
 * (a card scheme's rule for offline authorisations). The passenger is told which.
 */
export async function cancel(db: Database, input: { passengerId: string; registrationId: string; nowMs: number }): Promise<Registration> {
  return db.transaction(async (tx) => {
    const [found] = await tx
      .select({ flightId: registrations.flightId })
      .from(registrations)
      .where(and(eq(registrations.id, input.registrationId), eq(registrations.passengerId, input.passengerId)));
    if (found === undefined) throw new ApiError("registration_not_found", `no registration ${input.registrationId}`);
    // The lock order: the flight before its registrations. Shared, so that a manifest being served
    // (which marks the flight first) either is seen here or sees this cancel in its revocations.
    const [flight] = await tx.select().from(flights).where(eq(flights.id, found.flightId)).for("share");
    const [registration] = await tx.select().from(registrations).where(eq(registrations.id, input.registrationId)).for("update");
    if (registration!.status !== "active") throw new ApiError("registration_not_active", "this registration is already cancelled");
    if (input.nowMs >= flight!.registrationClosesAtMs) {
      throw new ApiError(
        "registration_closed",
        "registration has closed: the voucher is on board; what is not spent is released after the flight settles",
      );
    }
    const onBoard = flight!.firstManifestAtMs !== null;
    if (!onBoard && registration!.currentHoldTransferId !== null) {
      await voidPending(tx, {
        id: newId(),
        pendingId: registration!.currentHoldTransferId,
        code: "hold_cancelled",
        reference: registration!.id,
        nowMs: input.nowMs,
      });
    }
    const [cancelled] = await tx
      .update(registrations)
      .set({
        status: "cancelled",
        cancelledAtMs: input.nowMs,
        holdKeptOnCancel: onBoard,
        ...(onBoard ? {} : { currentHoldTransferId: null }),
      })
      .where(eq(registrations.id, registration!.id))
      .returning();
    return cancelled!;
  });
}

export async function listRegistrations(db: Database, passengerId: string): Promise<Registration[]> {
  return db
    .select()
    .from(registrations)
    .where(eq(registrations.passengerId, passengerId))
    .orderBy(desc(registrations.createdAtMs))
    .limit(200);
}

/** The passenger's own registration; another passenger's is "not found", never "forbidden". */
export async function ownRegistration(db: Database, passengerId: string, registrationId: string): Promise<Registration> {
  const [registration] = await db
    .select()
    .from(registrations)
    .where(and(eq(registrations.id, registrationId), eq(registrations.passengerId, passengerId)));
  if (registration === undefined) throw new ApiError("registration_not_found", `no registration ${registrationId}`);
  return registration;
}

/** The display name cut to the voucher's byte limit at a character boundary. */
function fitName(name: string): string {
  const printable = name.replace(/[\p{Cc}\p{Cf}]/gu, "").trim();
  let out = "";
  for (const ch of printable) {
    if (Buffer.byteLength(out + ch, "utf8") > LIMITS.passengerNameBytesMax) break;
    out += ch;
  }
  if (out.trim() === "") throw new ApiError("validation_failed", "the passenger name has no printable characters");
  return out.trim();
}
