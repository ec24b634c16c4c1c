/**
 * What a registration's voucher says, derived from the ground's own records in one place: used to
 * issue it, to issue it again under a new key, and at ingest to check that a voucher a terminal
 * accepted is exactly the one the ground issued for that registration (a signature proves who
 * signed, not that it matches: a leaked issuer key must not be able to raise a cap or swap a name).
 */
import { bytesEqual, issueVoucher, money, type Signer, type Voucher, type VoucherClaims } from "@cabinpay/shared";
import type { Flight } from "./flights.js";

/** Vouchers are valid from a day before departure to a day after (delays, early boarding). */
export const VOUCHER_BEFORE_DEPARTURE_MS = 24 * 3_600_000;
export const VOUCHER_AFTER_DEPARTURE_MS = 24 * 3_600_000;

export interface VoucherSource {
  readonly id: string;
  readonly walletAccountId: string;
  readonly capMinor: number;
  readonly currency: string;
  readonly passengerName: string;
  readonly seat: string | null;
  /** The passenger's phone key (compressed P-256) when they registered from the app: the voucher is bound to it. */
  readonly devicePublicKey: Uint8Array | null;
}

type FlightFields = Pick<Flight, "carrier" | "number" | "flightDate" | "departureAtMs">;

/** Vouchers carry whole seconds. */
const toSeconds = (ms: number) => Math.floor(ms / 1000) * 1000;

export function voucherClaims(flight: FlightFields, source: VoucherSource): VoucherClaims {
  return {
    voucherId: source.id,
    accountRef: source.walletAccountId,
    flight: { carrier: flight.carrier, number: flight.number, date: flight.flightDate },
    cap: money(source.capMinor, source.currency),
    validFromMs: toSeconds(flight.departureAtMs - VOUCHER_BEFORE_DEPARTURE_MS),
    validUntilMs: toSeconds(flight.departureAtMs + VOUCHER_AFTER_DEPARTURE_MS),
    passengerName: source.passengerName,
    ...(source.seat === null ? {} : { seat: source.seat }),
    ...(source.devicePublicKey === null ? {} : { devicePublicKey: source.devicePublicKey }),
  };
}

export function signVoucher(flight: FlightFields, source: VoucherSource, issuer: Signer): { text: string; validUntilMs: number } {
  const claims = voucherClaims(flight, source);
  return { text: issueVoucher(claims, issuer).text, validUntilMs: claims.validUntilMs };
}

/** Every claim of the voucher is what the ground's registration says. */
export function matchesRegistration(voucher: Voucher, flight: FlightFields, source: VoucherSource): boolean {
  const want = voucherClaims(flight, source);
  return (
    voucher.voucherId === want.voucherId &&
    voucher.accountRef === want.accountRef &&
    voucher.flight.carrier === want.flight.carrier &&
    voucher.flight.number === want.flight.number &&
    voucher.flight.date === want.flight.date &&
    voucher.cap.amountMinor === want.cap.amountMinor &&
    voucher.cap.currency === want.cap.currency &&
    voucher.validFromMs === want.validFromMs &&
    voucher.validUntilMs === want.validUntilMs &&
    voucher.passengerName === want.passengerName &&
    voucher.seat === want.seat &&
    // A leaked issuer key must not bind a voucher to a phone of its choosing, nor unbind it.
    (voucher.devicePublicKey === undefined
      ? want.devicePublicKey === undefined
      : want.devicePublicKey !== undefined && bytesEqual(voucher.devicePublicKey, want.devicePublicKey))
  );
}
