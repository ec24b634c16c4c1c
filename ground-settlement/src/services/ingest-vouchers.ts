/**
 * Ingest's judgement of the vouchers sales carry: signed by an issuer key the ground made (and
 * not revoked when the sale was made), for this flight, and exactly the voucher the ground issued
 * for the registration it names. The ground's records are the truth; a signature only says who signed.
 */
import {
  decodeVoucherBinary,
  type FlightRef,
  rateFor,
  type SaleRecord,
  type Verifier,
  type Voucher,
  voucherFlightMismatch,
  voucherSignatureHolds,
} from "@cabinpay/shared";
import { eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { issuerKeys, registrations } from "../db/schema/registrations.js";
import type { Flight } from "./flights.js";
import { ratesOf } from "./rates.js";
import { matchesRegistration } from "./vouchers.js";

/** Why a record in an intact chain is stored but not settled. */
export const RECORD_REJECTIONS = [
  "voucher_forged",
  "voucher_wrong_flight",
  "voucher_unknown",
  "voucher_revoked",
  "invalid_reversal",
  "reversal_mismatch",
  "voucher_mismatch",
  "voucher_key_revoked",
  "trolley_mismatch",
  "no_rate",
  /** A sale on a phone-bound voucher whose code the phone did not sign. */
  "code_forged",
  /** The second sale paid with one rotating code (the same voucher, slot and counter). */
  "code_reused",
] as const;
export type RecordRejection = (typeof RECORD_REJECTIONS)[number];

/** Good vouchers remembered across batches, at most: about 30 MB at the most. */
export const GOOD_VOUCHERS_MAX = 100_000;

/**
 * Vouchers whose signature and flight were found good, across batches: every terminal of a flight
 * carries the same vouchers, and a good signature stays good. Only good verdicts are kept (a
 * "forged" one is worked out again); keys' revocations and registrations are read for every batch.
 * Owned by one ingest service, bounded, oldest dropped first.
 */
export class GoodVouchers {
  readonly #byKey = new Map<string, Voucher>();
  constructor(readonly sizeMax: number = GOOD_VOUCHERS_MAX) {}

  get size(): number {
    return this.#byKey.size;
  }

  get(key: string): Voucher | undefined {
    return this.#byKey.get(key);
  }

  remember(key: string, voucher: Voucher): void {
    if (this.#byKey.size >= this.sizeMax) this.#byKey.delete(this.#byKey.keys().next().value!);
    this.#byKey.set(key, voucher);
  }
}

type Verdict = { readonly rejection: RecordRejection | undefined; readonly voucher?: Voucher };

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

/** A judge of the sales of one batch: reads keys, registrations and rates once, then judges in memory. */
export async function voucherJudge(
  db: Executor,
  flight: Flight,
  deps: { readonly good: GoodVouchers; readonly verifier: Verifier },
): Promise<(record: SaleRecord) => RecordRejection | undefined> {
  const keys = new Map(
    (
      await db.select({ keyId: issuerKeys.keyId, publicKey: issuerKeys.publicKey, revokedAtMs: issuerKeys.revokedAtMs }).from(issuerKeys)
    ).map((k) => [k.keyId, k]),
  );
  const registered = new Map(
    (
      await db
        .select({
          id: registrations.id,
          status: registrations.status,
          holdKeptOnCancel: registrations.holdKeptOnCancel,
          walletAccountId: registrations.walletAccountId,
          capMinor: registrations.capMinor,
          currency: registrations.currency,
          passengerName: registrations.passengerName,
          seat: registrations.seat,
          devicePublicKey: registrations.devicePublicKey,
        })
        .from(registrations)
        .where(eq(registrations.flightId, flight.id))
    ).map((r) => [r.id, r]),
  );
  const rates = await ratesOf(db, flight.id);
  const flightRef: FlightRef = { carrier: flight.carrier, number: flight.number, date: flight.flightDate };
  // Many sales carry the same voucher: judge each distinct one once per batch (the sale's time still
  // decides about a revoked key, so that verdict is not kept).
  const verdicts = new Map<string, Verdict>();
  const verdictOf = (bytes: Uint8Array): Verdict => {
    const key = `${flight.id}:${base64(bytes)}`;
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      verdict = judgeVoucher(bytes, key, keys, flightRef, deps);
      verdicts.set(key, verdict);
    }
    return verdict;
  };
  return (record) => {
    const verdict = verdictOf(record.voucherBytes!);
    if (verdict.rejection !== undefined) return verdict.rejection;
    const voucher = verdict.voucher!;
    const revokedAtMs = keys.get(voucher.issuerKeyId)?.revokedAtMs ?? null;
    if (revokedAtMs !== null && record.createdAtMs >= revokedAtMs) return "voucher_key_revoked";
    const registration = registered.get(record.voucherId);
    if (registration !== undefined && !matchesRegistration(voucher, flight, registration)) return "voucher_mismatch";
    // Sold in the flight's currency; a voucher in another is spent at the flight's rate into it.
    if (record.currency !== flight.currency) return "voucher_mismatch";
    if (voucher.cap.currency !== flight.currency && rateFor(rates, voucher.cap.currency) === undefined) return "no_rate";
    return judgeRegistration(registration);
  };
}

function judgeVoucher(
  bytes: Uint8Array,
  key: string,
  keys: ReadonlyMap<string, { publicKey: Uint8Array }>,
  flight: FlightRef,
  deps: { readonly good: GoodVouchers; readonly verifier: Verifier },
): Verdict {
  const cached = deps.good.get(key);
  if (cached !== undefined) return { rejection: undefined, voucher: cached };
  const decoded = decodeVoucherBinary(bytes);
  if (!decoded.ok) return { rejection: "voucher_forged" };
  const { voucher } = decoded;
  const publicKey = keys.get(voucher.issuerKeyId)?.publicKey;
  if (publicKey === undefined || !voucherSignatureHolds(voucher, publicKey, deps.verifier)) return { rejection: "voucher_forged" };
  if (voucherFlightMismatch(voucher, flight) !== undefined) return { rejection: "voucher_wrong_flight" };
  deps.good.remember(key, voucher);
  return { rejection: undefined, voucher };
}

/**
 * A voucher cancelled after the flight's manifest went out was still good on terminals holding the
 * older manifest: its sales are collected from the hold kept for them (`cancel`).
 */
function judgeRegistration(
  registration: { status: "active" | "cancelled"; holdKeptOnCancel: boolean } | undefined,
): RecordRejection | undefined {
  if (registration === undefined) return "voucher_unknown";
  return registration.status === "cancelled" && !registration.holdKeptOnCancel ? "voucher_revoked" : undefined;
}
