/**
 * The voucher (browser): for a phone-bound voucher the live code (`LiveCode.tsx`), for a printed
 * one the QR to scan or download; large and bright, with the name and seat crew will compare;
 * cancel; the receipts scanned from the crew's screen. Works in flight mode: the service worker
 * keeps the page, the registration and what receipts are checked with.
 */
import { useEffect, useState } from "react";
import { api } from "../api.js";
import { endFirstPaint } from "../first-paint.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";
import { navigate } from "../router.js";
import type { RegistrationView } from "./Home.js";
import { LiveCode } from "./LiveCode.js";
import { Receipts } from "./Receipts.js";

interface FlightRefView {
  readonly carrier: string;
  readonly number: string;
  readonly date: string;
  readonly departureAtMs: number;
  readonly origin: string;
}

export function VoucherPage({ registrationId }: { registrationId: string }) {
  const { t, amount, flightTime } = useI18n();
  const [found, setFound] = useState<{ registration: RegistrationView; flight: FlightRefView } | undefined>();
  const registration = found?.registration;
  const [problem, setProblem] = useState<unknown>();
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    api<{ registration: RegistrationView; flight: FlightRefView }>("GET", `/registrations/${registrationId}`)
      .then(setFound)
      .catch(setProblem);
  }, [registrationId]);
  // The server's drawing of the voucher gives way once this page shows the same code, or something else.
  useEffect(() => {
    const sameCode = registration !== undefined && !registration.deviceBound && registration.status === "active";
    if (problem !== undefined || (registration !== undefined && !sameCode)) endFirstPaint();
  }, [problem, registration]);
  const cancel = async () => {
    try {
      await api("DELETE", `/registrations/${registrationId}`);
      navigate("/app/passenger");
    } catch (error) {
      setProblem(error);
    }
  };
  return (
    <main className="page voucher" data-page="voucher">
      <h1 className="visually-hidden">{t.voucher.title}</h1>
      {registration !== undefined && found !== undefined && (
        <>
          <p className="flight" data-testid="voucher-flight">
            {found.flight.carrier}
            {found.flight.number} · {t.voucher.departs(flightTime(found.flight.departureAtMs, found.flight.origin))}
          </p>
          {registration.deviceBound ? (
            registration.status === "active" && <LiveCode registrationId={registrationId} voucherText={registration.voucherText} />
          ) : (
            <img
              className="qr"
              src={`/registrations/${registrationId}/qr.svg`}
              alt={t.voucher.qrAlt}
              data-testid="voucher-qr"
              onLoad={endFirstPaint}
              onError={endFirstPaint}
            />
          )}
          <p className="name" data-testid="voucher-name">
            {registration.passengerName}
            {registration.seat === null ? "" : ` · ${t.voucher.seat(registration.seat)}`}
          </p>
          <p>
            <strong>{t.voucher.spendUpTo(amount(registration.capMinor, registration.currency))}</strong> {t.voucher.brightness}
          </p>
          {registration.status === "cancelled" && (
            <p data-testid="voucher-cancelled">{registration.holdKeptUntilClose ? t.voucher.cancelledKept : t.voucher.cancelledReleased}</p>
          )}
          {confirming && <p data-testid="cancel-explained">{t.voucher.cancelExplained}</p>}
          <div className="actions">
            {/* A phone-bound voucher has no picture to keep: only its live code pays. */}
            {!registration.deviceBound && (
              <a className="button" href={`/registrations/${registrationId}/qr.png`} download={`cabinpay-voucher-${registrationId}.png`}>
                {t.voucher.download}
              </a>
            )}
            {registration.status === "active" &&
              (confirming ? (
                <>
                  <button type="button" className="danger" onClick={() => void cancel()} data-testid="confirm-cancel">
                    {t.voucher.confirmCancel}
                  </button>
                  <button type="button" onClick={() => setConfirming(false)}>
                    {t.voucher.keepIt}
                  </button>
                </>
              ) : (
                <button type="button" onClick={() => setConfirming(true)}>
                  {t.voucher.cancel}
                </button>
              ))}
          </div>
          <Receipts registrationId={registrationId} />
        </>
      )}
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
    </main>
  );
}
