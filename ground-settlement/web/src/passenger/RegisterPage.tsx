/**
 * Find a flight and register with a spending cap (browser): the amount checked as it is typed,
 * the limit said, quick amounts offered, and a last step that says what will be held before it is.
 */
import { convertMinor, describeRate, type ExchangeRate, money, toDecimalString } from "@cabinpay/shared";
import { type FormEvent, useState } from "react";
import type { FlightWithRatesDto } from "../../../src/dto/flights.js";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";
import { navigate } from "../router.js";
import { checkCap, quickCaps } from "./cap-input.js";
import { phoneKey, publicKeyText } from "./device-key.js";
import { rememberGroundClock } from "./ground-clock.js";
import type { RegistrationView } from "./Home.js";
import type { Me } from "./session.js";

type FlightView = FlightWithRatesDto;

export function RegisterPage({ me, onRegistered }: { me: Me; onRegistered: () => Promise<void> }) {
  const { t } = useI18n();
  const [search, setSearch] = useState({ carrier: "", number: "", date: "" });
  const [flight, setFlight] = useState<FlightView | undefined>();
  const [notFound, setNotFound] = useState(false);
  const [problem, setProblem] = useState<unknown>();
  const find = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    setNotFound(false);
    try {
      const query = new URLSearchParams({ carrier: search.carrier.toUpperCase(), number: search.number.toUpperCase(), date: search.date });
      const { flights } = await api<{ flights: FlightView[] }>("GET", `/flights?${query}`);
      setFlight(flights[0]);
      setNotFound(flights.length === 0);
    } catch (error) {
      setProblem(error);
    }
  };
  return (
    <main className="page narrow">
      <h1>{t.register.title}</h1>
      <form className="form card" onSubmit={(event) => void find(event)} data-form="find-flight">
        <h2>{t.register.findTitle}</h2>
        <div className="form row">
          <label>
            {t.register.carrier}
            <input
              name="carrier"
              value={search.carrier}
              onChange={(e) => setSearch({ ...search, carrier: e.target.value })}
              maxLength={3}
              autoCapitalize="characters"
              required
            />
          </label>
          <label>
            {t.register.number}
            <input
              name="number"
              value={search.number}
              onChange={(e) => setSearch({ ...search, number: e.target.value })}
              maxLength={5}
              inputMode="numeric"
              required
            />
          </label>
          <label>
            {t.register.date}
            <input name="date" type="date" value={search.date} onChange={(e) => setSearch({ ...search, date: e.target.value })} required />
          </label>
          <button type="submit">{t.register.find}</button>
        </div>
      </form>
      {notFound && (
        <p className="message" role="alert">
          {t.register.noFlight}
        </p>
      )}
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
      {flight !== undefined && <CapForm key={flight.flightId} flight={flight} me={me} onRegistered={onRegistered} />}
    </main>
  );
}

function CapForm({ flight, me, onRegistered }: { flight: FlightView; me: Me; onRegistered: () => Promise<void> }) {
  const { t, amount, flightTime } = useI18n();
  const [cap, setCap] = useState("");
  const [seat, setSeat] = useState("");
  // Bound to this phone by default: a live code a photograph cannot reuse. Off: a voucher to print.
  const [onThisPhone, setOnThisPhone] = useState(true);
  // The airline takes only phones' live codes on this flight: the phone is the only way.
  const codesOnly = flight.codePolicy === "codes_only";
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>();
  // The wallet in the flight's currency; else one the flight has a rate into (a CNY account on a
  // HKD leg), held and debited in its own currency at that rate.
  const wallet =
    me.wallets.find((w) => w.currency === flight.currency) ??
    me.wallets.find((w) => flight.rates.some((rate) => rate.currency === w.currency));
  const rate = flight.rates.find((r) => r.currency === wallet?.currency) as ExchangeRate | undefined;
  const limitMinor = rate === undefined ? flight.capMinorMax : convertMinor(money(flight.capMinorMax, flight.currency), rate).amountMinor;
  const capCurrency = wallet?.currency ?? flight.currency;
  const maxMinor = Math.min(limitMinor, wallet?.availableMinor ?? 0);
  const checked = checkCap(cap, capCurrency, maxMinor, t, (minor) => amount(minor, capCurrency));
  const flightName = `${flight.carrier}${flight.number} ${flight.origin} → ${flight.destination}`;
  const register = async () => {
    if (!checked.ok) return;
    setBusy(true);
    try {
      const key = onThisPhone || codesOnly ? await phoneKey() : undefined;
      const sentAtMs = Date.now();
      const registration = await api<RegistrationView>("POST", "/registrations", {
        flightId: flight.flightId,
        capMinor: checked.capMinor,
        ...(rate === undefined ? {} : { currency: rate.currency }),
        ...(seat.trim() === "" ? {} : { seat: seat.trim().toUpperCase() }),
        ...(key === undefined ? {} : { devicePublicKey: publicKeyText(key) }),
      });
      rememberGroundClock(registration.createdAtMs, sentAtMs, Date.now());
      await onRegistered();
      navigate(`/app/passenger/vouchers/${registration.registrationId}`);
    } catch (error) {
      setProblem(error);
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };
  if (wallet === undefined || maxMinor === 0)
    return (
      <section className="card" data-testid="no-wallet">
        <h2>{flightName}</h2>
        <p className="message">{t.register.noWallet}</p>
        <p className="explain">{t.home.addMoney}</p>
      </section>
    );
  return (
    <form
      className="form card"
      onSubmit={(event) => {
        event.preventDefault();
        if (checked.ok) setConfirming(true);
      }}
      data-form="register"
    >
      <h2>{flightName}</h2>
      <p className="muted">{t.register.departs(flightTime(flight.departureAtMs, flight.origin))}</p>
      <label htmlFor="cap">
        {t.register.capLabel} ({capCurrency})
      </label>
      <input
        id="cap"
        name="cap"
        inputMode="decimal"
        value={cap}
        onChange={(e) => {
          setCap(e.target.value);
          setConfirming(false);
        }}
        aria-invalid={checked.ok ? undefined : checked.problem !== undefined}
        aria-describedby="cap-limit cap-problem"
        disabled={confirming}
        required
      />
      <p id="cap-limit" className="muted hint" data-testid="cap-limit">
        {t.register.capLimit(amount(maxMinor, capCurrency))}
      </p>
      {!checked.ok && checked.problem !== undefined && (
        <p id="cap-problem" className="message hint" data-testid="cap-problem">
          {checked.problem}
        </p>
      )}
      <fieldset className="actions quick">
        <legend className="visually-hidden">{t.register.quickPick}</legend>
        {quickCaps(capCurrency, maxMinor).map((minor) => (
          <button
            key={minor}
            type="button"
            className="chip"
            disabled={confirming}
            onClick={() => setCap(toDecimalString(money(minor, capCurrency)))}
          >
            {amount(minor, capCurrency)}
          </button>
        ))}
      </fieldset>
      <label>
        {t.register.seat}
        <input name="seat" value={seat} onChange={(e) => setSeat(e.target.value)} maxLength={4} disabled={confirming} />
      </label>
      {rate !== undefined && (
        <p className="explain" data-testid="rate-explained">
          {t.register.rateExplained(
            flight.currency,
            capCurrency,
            describeRate(flight.currency as ExchangeRate["currency"], rate),
            rate.source,
          )}
        </p>
      )}
      <label className="check">
        <input
          type="checkbox"
          name="onThisPhone"
          checked={onThisPhone || codesOnly}
          onChange={(e) => setOnThisPhone(e.target.checked)}
          disabled={confirming || codesOnly}
          data-testid="on-this-phone"
        />
        {t.register.onThisPhone}
      </label>
      <p className="muted hint">
        {codesOnly ? t.register.codesOnly : onThisPhone ? t.register.onThisPhoneExplained : t.register.printedExplained}
      </p>
      <p className="explain" data-testid="hold-explained">
        {t.register.holdExplained}
      </p>
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
      {!confirming && (
        <button type="submit" className="primary" disabled={!checked.ok} data-testid="review">
          {t.register.review}
        </button>
      )}
      {confirming && checked.ok && (
        <section className="confirm" aria-labelledby="confirm-title" aria-live="polite" data-testid="confirm">
          <h3 id="confirm-title">{t.register.confirmTitle}</h3>
          <p>{t.register.confirmHold(amount(checked.capMinor, capCurrency), flightName)}</p>
          <p className="muted">{t.register.confirmAfter}</p>
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void register()} data-testid="confirm-register">
              {t.register.confirm}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {t.register.change}
            </button>
          </div>
        </section>
      )}
    </form>
  );
}
