/**
 * The real ground service on a real port, with the sample flight loaded and one passenger
 * registered: what the terminal's ground-facing tests start from.
 */
import { bearer, call, createFlight, loadFlight, passenger, staffKeys } from "../../../ground-settlement/test/support/actors.js";
import { createTestApp, type TestApp } from "../../../ground-settlement/test/support/app.js";

export interface GroundWithFlight {
  readonly t: TestApp;
  readonly groundUrl: string;
  readonly flightId: string;
  /** The registered passenger's voucher, as drawn in the QR code. */
  readonly voucherText: string;
  /** The registered passenger's session token, to read their wallet. */
  readonly passengerToken: string;
  /** A fresh one-time code enrolling a terminal straight onto the flight. */
  /** A one-time code for a trolley of the flight (one terminal per trolley; "A" unless named), or for no flight (null). */
  enrolmentCode(trolleyId?: string | null): Promise<string>;
}

export async function groundWithFlight(registration: { capMinor: number; seat: string; displayName?: string }): Promise<GroundWithFlight> {
  const t = await createTestApp("pglite");
  const groundUrl = await t.app.listen({ port: 0, host: "127.0.0.1" });
  const { ops } = await staffKeys(t);
  const { flightId } = await createFlight(t, ops);
  await loadFlight(t, ops, flightId);
  const p = await passenger(t, ops, 100_000, registration.displayName);
  const payload = { flightId, capMinor: registration.capMinor, seat: registration.seat };
  const voucherText = (await call(t.app, { method: "POST", url: "/registrations", headers: bearer(p.token), payload }, 201)).json()
    .voucherText;
  return {
    t,
    groundUrl,
    flightId,
    voucherText,
    passengerToken: p.token,
    async enrolmentCode(trolleyId: string | null = "A") {
      const payload = trolleyId === null ? { name: "Spare" } : { name: `Trolley ${trolleyId}`, flightId, trolleyId };
      const response = await call(t.app, { method: "POST", url: "/ops/enrolment-codes", headers: bearer(ops), payload }, 201);
      return response.json().code;
    },
  };
}
