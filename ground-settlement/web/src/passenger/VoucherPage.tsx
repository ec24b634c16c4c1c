/**
 * The voucher (browser): the QR large and bright for crew to scan, the name and seat they will
 * compare, download as an image, cancel. Works in flight mode: the service worker keeps it.
 */
import { useEffect, useState } from "react";
import { api, errorText } from "../api.js";
import { amount } from "../money.js";
import { navigate } from "../router.js";
import type { RegistrationView } from "./Home.js";

interface FlightRefView {
  readonly carrier: string;
  readonly number: string;
  readonly date: string;
  readonly departureAtMs: number;
}

export function VoucherPage({ registrationId }: { registrationId: string }) {
  const [found, setFound] = useState<{ registration: RegistrationView; flight: FlightRefView } | undefined>();
  const registration = found?.registration;
  const [message, setMessage] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    api<{ registration: RegistrationView; flight: FlightRefView }>("GET", `/registrations/${registrationId}`)
      .then(setFound)
      .catch((error) => setMessage(errorText(error)));
  }, [registrationId]);
  const cancel = async () => {
    try {
      await api("DELETE", `/registrations/${registrationId}`);
      navigate("/app/passenger");
    } catch (error) {
      setMessage(errorText(error));
    }
  };
  return (
    <main className="page voucher" data-page="voucher">
      {registration !== undefined && found !== undefined && (
        <>
          <p className="flight" data-testid="voucher-flight">
            {found.flight.carrier}
            {found.flight.number} · {found.flight.date} · departs {new Date(found.flight.departureAtMs).toLocaleTimeString()}
          </p>
          <img className="qr" src={`/registrations/${registrationId}/qr.svg`} alt="Your voucher QR code" data-testid="voucher-qr" />
          <p className="name" data-testid="voucher-name">
            {registration.passengerName}
            {registration.seat === null ? "" : ` · seat ${registration.seat}`}
          </p>
          <p>
            Spend up to <strong>{amount(registration.capMinor, registration.currency)}</strong> on board. Turn the screen brightness up when
            you show it.
          </p>
          {registration.status === "cancelled" && (
            <p data-testid="voucher-cancelled">
              {registration.holdKeptUntilClose
                ? "Cancelled. Terminals that load the flight from now on refuse this voucher. A terminal that already had the flight may have sold against it before it heard of the cancel: such sales are paid from your hold, and the rest of the hold is released when the flight closes."
                : "Cancelled. No terminal had the flight yet: your hold was released at once."}
            </p>
          )}
          {confirming && (
            <p data-testid="cancel-explained">
              Cancelling stops this voucher on every terminal that loads the flight from now on. If the flight is already loaded on board,
              what was sold against the voucher before the cancel reached the terminal is still paid from your hold, and the rest is
              released when the flight closes.
            </p>
          )}
          <div className="actions">
            <a className="button" href={`/registrations/${registrationId}/qr.png`} download={`cabinpay-voucher-${registrationId}.png`}>
              Download image
            </a>
            {registration.status === "active" &&
              (confirming ? (
                <button type="button" className="danger" onClick={() => void cancel()} data-testid="confirm-cancel">
                  Yes, cancel this voucher
                </button>
              ) : (
                <button type="button" onClick={() => setConfirming(true)}>
                  Cancel voucher
                </button>
              ))}
          </div>
        </>
      )}
      {message !== undefined && (
        <p className="message" role="alert">
          {message}
        </p>
      )}
    </main>
  );
}
