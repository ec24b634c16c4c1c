/**
 * The real ground service on a real port, with the sample flight loaded and one passenger
 * registered: what the terminal's ground-facing tests start from.
 */
import {
  bearer,
  call,
  createFlight,
  DEPARTURE_MS,
  loadFlight,
  passenger,
  SAMPLE_PRICES_CSV,
  staffKeys,
  withTrolleyC,
} from "@cabinpay/ground-settlement/testing/actors";
import { createTestApp, type TestApp } from "@cabinpay/ground-settlement/testing/app";

export interface GroundWithFlight {
  readonly t: TestApp;
  readonly groundUrl: string;
  readonly flightId: string;
  /** The registered passenger's voucher, as drawn in the QR code. */
  readonly voucherText: string;
  /** The registered passenger's session token, to read their wallet. */
  readonly passengerToken: string;
  /**
   * With `rotation`: the flight is leg 1 of 2; leg 2 (9C8851 PVG→HKG, in HKD, prices only) carries
   * its stock over, and the passenger is registered on it too, in CNY (its voucher here).
   */
  readonly rotationId: string | undefined;
  readonly legTwoVoucherText: string | undefined;
  /** A one-time code for a trolley of the flight (one terminal per trolley; "A" unless named), or for no flight (null). */
  enrolmentCode(trolleyId?: string | null): Promise<string>;
}

export async function groundWithFlight(
  registration: { capMinor: number; seat: string; displayName?: string },
  options: { rotation?: boolean; webDir?: string; trolleyC?: boolean; spendPolicy?: "full" | "share" } = {},
): Promise<GroundWithFlight> {
  const t = await createTestApp("pglite", options.webDir === undefined ? {} : { WEB_DIR: options.webDir });
  const groundUrl = await t.app.listen({ port: 0, host: "127.0.0.1" });
  const { ops } = await staffKeys(t);
  const { flightId } = await createFlight(t, ops);
  await loadFlight(t, ops, flightId, "CNY", options.trolleyC === true ? withTrolleyC() : undefined);
  if (options.spendPolicy !== undefined)
    await call(
      t.app,
      { method: "PUT", url: `/ops/flights/${flightId}/spend-policy`, headers: bearer(ops), payload: { spendPolicy: options.spendPolicy } },
      200,
    );
  const p = await passenger(t, ops, 100_000, registration.displayName);
  const payload = { flightId, capMinor: registration.capMinor, seat: registration.seat };
  const voucherText = (await call(t.app, { method: "POST", url: "/registrations", headers: bearer(p.token), payload }, 201)).json()
    .voucherText;
  const legTwo = options.rotation === true ? await secondLeg(t, ops, flightId) : undefined;
  const rotationId = legTwo?.rotationId;
  const legTwoVoucherText =
    legTwo === undefined
      ? undefined
      : (
          await call(
            t.app,
            {
              method: "POST",
              url: "/registrations",
              headers: bearer(p.token),
              payload: { ...payload, capMinor: 30_000, flightId: legTwo.flightId, currency: "CNY" },
            },
            201,
          )
        ).json().voucherText;
  const target = rotationId === undefined ? { flightId } : { rotationId };
  return {
    t,
    groundUrl,
    flightId,
    voucherText,
    passengerToken: p.token,
    rotationId,
    legTwoVoucherText,
    async enrolmentCode(trolleyId: string | null = "A") {
      const payload = trolleyId === null ? { name: "Spare" } : { name: `Trolley ${trolleyId}`, ...target, trolleyId };
      const response = await call(t.app, { method: "POST", url: "/ops/enrolment-codes", headers: bearer(ops), payload }, 201);
      return response.json().code;
    },
  };
}

/**
 * Leg 2 of the flight's rotation, PVG→HKG three hours later, selling in HKD at HK$1 = CN¥0.9123,
 * with prices only: its trolleys carry their stock over.
 */
async function secondLeg(t: TestApp, ops: string, legOneId: string): Promise<{ rotationId: string; flightId: string }> {
  const { flightId } = await createFlight(t, ops, {
    number: "8851",
    origin: "PVG",
    destination: "HKG",
    currency: "HKD",
    departureAtMs: DEPARTURE_MS + 3 * 3_600_000,
  });
  await loadFlight(t, ops, flightId, "HKD");
  await call(
    t.app,
    {
      method: "PUT",
      url: `/ops/flights/${flightId}/rates`,
      headers: bearer(ops),
      payload: { rates: [{ currency: "CNY", rateMicros: 912_300, source: "airline treasury" }] },
    },
    200,
  );
  await call(
    t.app,
    {
      method: "PUT",
      url: `/ops/flights/${flightId}/catalog`,
      headers: { ...bearer(ops), "content-type": "text/csv" },
      payload: SAMPLE_PRICES_CSV.replaceAll(",CNY", ",HKD"),
    },
    200,
  );
  const rotation = await call(
    t.app,
    {
      method: "POST",
      url: "/ops/rotations",
      headers: bearer(ops),
      payload: { aircraft: "B-30AA", date: "2026-12-01", flightIds: [legOneId, flightId] },
    },
    201,
  );
  return { rotationId: rotation.json().rotationId, flightId };
}
