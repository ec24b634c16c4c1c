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
} from "../../../ground-settlement/test/support/actors.js";
import { createTestApp, type TestApp } from "../../../ground-settlement/test/support/app.js";

export interface GroundWithFlight {
  readonly t: TestApp;
  readonly groundUrl: string;
  readonly flightId: string;
  /** The registered passenger's voucher, as drawn in the QR code. */
  readonly voucherText: string;
  /** The registered passenger's session token, to read their wallet. */
  readonly passengerToken: string;
  /** With `rotation`: the flight is leg 1 of 2; leg 2 (9C8851, prices only) carries its stock over. */
  readonly rotationId: string | undefined;
  /** A one-time code for a trolley of the flight (one terminal per trolley; "A" unless named), or for no flight (null). */
  enrolmentCode(trolleyId?: string | null): Promise<string>;
}

export async function groundWithFlight(
  registration: { capMinor: number; seat: string; displayName?: string },
  options: { rotation?: boolean } = {},
): Promise<GroundWithFlight> {
  const t = await createTestApp("pglite");
  const groundUrl = await t.app.listen({ port: 0, host: "127.0.0.1" });
  const { ops } = await staffKeys(t);
  const { flightId } = await createFlight(t, ops);
  await loadFlight(t, ops, flightId);
  const p = await passenger(t, ops, 100_000, registration.displayName);
  const payload = { flightId, capMinor: registration.capMinor, seat: registration.seat };
  const voucherText = (await call(t.app, { method: "POST", url: "/registrations", headers: bearer(p.token), payload }, 201)).json()
    .voucherText;
  const rotationId = options.rotation === true ? await secondLeg(t, ops, flightId) : undefined;
  const target = rotationId === undefined ? { flightId } : { rotationId };
  return {
    t,
    groundUrl,
    flightId,
    voucherText,
    passengerToken: p.token,
    rotationId,
    async enrolmentCode(trolleyId: string | null = "A") {
      const payload = trolleyId === null ? { name: "Spare" } : { name: `Trolley ${trolleyId}`, ...target, trolleyId };
      const response = await call(t.app, { method: "POST", url: "/ops/enrolment-codes", headers: bearer(ops), payload }, 201);
      return response.json().code;
    },
  };
}

/** Leg 2 of the flight's rotation, CTU→PVG three hours later, with prices only: its trolleys carry their stock over. */
async function secondLeg(t: TestApp, ops: string, legOneId: string): Promise<string> {
  const { flightId } = await createFlight(t, ops, {
    number: "8851",
    origin: "CTU",
    destination: "PVG",
    departureAtMs: DEPARTURE_MS + 3 * 3_600_000,
  });
  await loadFlight(t, ops, flightId);
  await call(
    t.app,
    {
      method: "PUT",
      url: `/ops/flights/${flightId}/catalog`,
      headers: { ...bearer(ops), "content-type": "text/csv" },
      payload: SAMPLE_PRICES_CSV,
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
  return rotation.json().rotationId;
}
