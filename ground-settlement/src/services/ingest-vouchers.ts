/**
 * Ingest's judgement of the vouchers sales carry: signed by an issuer key the ground made (and
 * not revoked when the sale was made), for this flight, and exactly the voucher the ground issued
 * for the registration it names. The ground's records are the truth; a signature only says who signed.
 */
import {
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
  readonly #keys = new Set<string>();
  constructor(readonly sizeMax: number = GOOD_VOUCHERS_MAX) {}

  get size(): number {
    return this.#keys.size;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  remember(key: string): void {
    if (this.#keys.size >= this.sizeMax) this.#keys.delete(this.#keys.values().next().value!);
    this.#keys.add(key);
  }
}

type Verdict = { readonly rejection: RecordRejection | undefined; readonly voucher?: Voucher };

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

/** What judging a batch's vouchers needs beside the database: the service's cache and verifier, the batch's decoder. */
export interface VoucherJudging {
  readonly good: GoodVouchers;
  readonly verifier: Verifier;
  /** The batch's voucher decoder (`voucherMemo`): the one its records were read with, so each voucher is decoded once. */
  readonly decodeVoucher: (bytes: Uint8Array) => Voucher | undefined;
}

/** A judge of the sales of one batch: reads keys, registrations and rates once, then judges in memory. */
export async function voucherJudge(
  db: Executor,
  flight: Flight,
  deps: VoucherJudging,
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
  // Many sales carry the same voucher, decoded once into one object: judge each distinct one once
  // per batch (the sale's time still decides about a revoked key, so that verdict is not kept).
  const verdicts = new Map<Voucher, Verdict>();
  const verdictOf = (bytes: Uint8Array): Verdict => {
    const voucher = deps.decodeVoucher(bytes);
    if (voucher === undefined) return { rejection: "voucher_forged" };
    let verdict = verdicts.get(voucher);
    if (verdict === undefined) {
      verdict = judgeVoucher(voucher, `${flight.id}:${base64(bytes)}`, keys, flightRef, deps);
      verdicts.set(voucher, verdict);
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
  voucher: Voucher,
  key: string,
  keys: ReadonlyMap<string, { publicKey: Uint8Array }>,
  flight: FlightRef,
  deps: VoucherJudging,
): Verdict {
  if (deps.good.has(key)) return { rejection: undefined, voucher };
  const publicKey = keys.get(voucher.issuerKeyId)?.publicKey;
  if (publicKey === undefined || !voucherSignatureHolds(voucher, publicKey, deps.verifier)) return { rejection: "voucher_forged" };
  if (voucherFlightMismatch(voucher, flight) !== undefined) return { rejection: "voucher_wrong_flight" };
  deps.good.remember(key);
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
