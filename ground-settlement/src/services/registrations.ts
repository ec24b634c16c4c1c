/**
 * Registrations: a passenger's cap for one flight, held on their wallet (a pending transfer to the
 * in-flight holds account) and vouched for by a signed voucher.
 */
import { issueVoucher, LIMITS, money, newId } from "@cabinpay/shared";
import { and, desc, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { passengers } from "../db/schema/identity.js";
import { registrations } from "../db/schema/registrations.js";
import { ApiError } from "../errors.js";
import type { KeyStore } from "../keys/key-store.js";
import { airlineAccount, createPending, voidPending, walletAccount } from "../ledger/ledger.js";
import { getFlight } from "./flights.js";
import { activeIssuer } from "./issuer-keys.js";

export type Registration = typeof registrations.$inferSelect;

/** A hold lives until well after landing so that late uploads still settle against it. */
export const HOLD_AFTER_DEPARTURE_MS = 7 * 24 * 3_600_000;
/** Vouchers are valid from a day before departure to a day after (delays, early boarding). */
export const VOUCHER_BEFORE_DEPARTURE_MS = 24 * 3_600_000;
export const VOUCHER_AFTER_DEPARTURE_MS = 24 * 3_600_000;
const SEAT_PATTERN = /^[1-9][0-9]{0,2}[A-Z]$/;

export interface RegisterInput {
  readonly passengerId: string;
  readonly flightId: string;
  readonly capMinor: number;
  readonly seat?: string;
  /** As printed on the boarding pass; defaults to the account's display name. */
  readonly passengerName?: string;
  /** Chosen by the client to make a retried request safe. */
  readonly registrationId?: string;
  readonly nowMs: number;
}

export async function register(
  db: Database,
  keys: KeyStore,
  input: RegisterInput,
): Promise<{ registration: Registration; created: boolean }> {
  try {
    return await db.transaction(async (tx) => {
      const flight = await getFlight(tx, input.flightId);
      const registrationId = input.registrationId ?? newId();
      const [earlier] = await tx.select().from(registrations).where(eq(registrations.id, registrationId));
      if (earlier !== undefined) {
        if (earlier.passengerId !== input.passengerId || earlier.flightId !== input.flightId || earlier.capMinor !== input.capMinor) {
          throw new ApiError("exists_with_different_fields", `registration ${registrationId} exists with other details`);
        }
        return { registration: earlier, created: false };
      }
      if (input.nowMs >= flight.registrationClosesAtMs) {
        throw new ApiError(
          "registration_closed",
          `registration for ${flight.carrier}${flight.number} closed at ${new Date(flight.registrationClosesAtMs).toISOString()}`,
        );
      }
      if (input.capMinor < 1 || input.capMinor > flight.capMaxMinor) {
        throw new ApiError("cap_out_of_range", `the cap must be from 1 to ${flight.capMaxMinor} minor units of ${flight.currency}`, {
          capMaxMinor: flight.capMaxMinor,
        });
      }
      if (input.seat !== undefined && !SEAT_PATTERN.test(input.seat)) throw new ApiError("validation_failed", "seat like 32A");
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

      const [passenger] = await tx.select().from(passengers).where(eq(passengers.id, input.passengerId));
      const passengerName = fitName(input.passengerName ?? passenger!.displayName);
      const wallet = await walletAccount(tx, input.passengerId, flight.currency, input.nowMs);
      const holds = await airlineAccount(tx, "inflight_holds", flight.currency, input.nowMs);
      const hold = await createPending(tx, {
        id: newId(),
        debitAccountId: wallet.id,
        creditAccountId: holds.id,
        amountMinor: input.capMinor,
        currency: flight.currency,
        code: "hold",
        reference: registrationId,
        nowMs: input.nowMs,
        expiresAtMs: flight.departureAtMs + HOLD_AFTER_DEPARTURE_MS,
      });
      const issuer = await activeIssuer(tx, keys, input.nowMs);
      const toSeconds = (ms: number) => Math.floor(ms / 1000) * 1000;
      const validUntilMs = toSeconds(flight.departureAtMs + VOUCHER_AFTER_DEPARTURE_MS);
      const voucher = issueVoucher(
        {
          voucherId: registrationId,
          accountRef: wallet.id,
          flight: { carrier: flight.carrier, number: flight.number, date: flight.flightDate },
          cap: money(input.capMinor, flight.currency),
          validFromMs: toSeconds(flight.departureAtMs - VOUCHER_BEFORE_DEPARTURE_MS),
          validUntilMs,
          passengerName,
          ...(input.seat === undefined ? {} : { seat: input.seat }),
        },
        issuer,
      );
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
          currency: flight.currency,
          status: "active",
          issuerKeyId: issuer.keyId,
          voucherText: voucher.text,
          passengerName,
          seat: input.seat ?? null,
          validUntilMs,
          createdAtMs: input.nowMs,
        })
        .returning();
      return { registration: registration!, created: true };
    });
  } catch (error) {
    // Two registrations racing: the partial unique index lets one through.
    if (constraintOf(error) === "registrations_one_active") throw new ApiError("already_registered", "already registered for this flight");
    throw error;
  }
}

export async function cancel(db: Database, input: { passengerId: string; registrationId: string; nowMs: number }): Promise<Registration> {
  return db.transaction(async (tx) => {
    const [registration] = await tx
      .select()
      .from(registrations)
      .where(and(eq(registrations.id, input.registrationId), eq(registrations.passengerId, input.passengerId)))
      .for("update");
    if (registration === undefined) throw new ApiError("registration_not_found", `no registration ${input.registrationId}`);
    if (registration.status !== "active") throw new ApiError("registration_not_active", "this registration is already cancelled");
    const [flight] = await tx.select().from(flights).where(eq(flights.id, registration.flightId));
    // After the cut-off the voucher is on the terminals' manifests and can be spent offline:
    // releasing the hold then would let a passenger spend in the air and escape the debit.
    if (input.nowMs >= flight!.registrationClosesAtMs) {
      throw new ApiError(
        "registration_closed",
        "registration has closed: the voucher is on board; what is not spent is released after the flight settles",
      );
    }
    // Before the cut-off nothing can have been settled: the current hold is still the first one.
    await voidPending(tx, {
      id: newId(),
      pendingId: registration.holdTransferId,
      code: "hold_cancelled",
      reference: registration.id,
      nowMs: input.nowMs,
    });
    const [cancelled] = await tx
      .update(registrations)
      .set({ status: "cancelled", cancelledAtMs: input.nowMs, currentHoldTransferId: null })
      .where(eq(registrations.id, registration.id))
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

function constraintOf(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const constraint = (e as { constraint?: string }).constraint;
    if (constraint !== undefined) return constraint;
  }
  return undefined;
}
