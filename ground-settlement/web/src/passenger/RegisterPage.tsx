/** Find a flight and register with a spending cap, the hold explained in plain words (browser). */

import { convertMinor, describeRate, type ExchangeRate, money } from "@cabinpay/shared";
import { type FormEvent, useState } from "react";
import { api, errorText } from "../api.js";
import { amount } from "../money.js";
import { navigate } from "../router.js";
import type { RegistrationView } from "./Home.js";
import type { Me } from "./session.js";

interface FlightView {
  readonly flightId: string;
  readonly carrier: string;
  readonly number: string;
  readonly date: string;
  readonly origin: string;
  readonly destination: string;
  readonly currency: string;
  readonly departureAtMs: number;
  readonly capMinorMax: number;
  readonly registrationClosesAtMs: number;
  readonly rates: readonly ExchangeRate[];
}

export function RegisterPage({ me, onRegistered }: { me: Me; onRegistered: () => Promise<void> }) {
  const [search, setSearch] = useState({ carrier: "", number: "", date: "" });
  const [flight, setFlight] = useState<FlightView | undefined>();
  const [cap, setCap] = useState("");
  const [seat, setSeat] = useState("");
  const [message, setMessage] = useState<string | undefined>();
  const find = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(undefined);
    try {
      const query = new URLSearchParams({ carrier: search.carrier.toUpperCase(), number: search.number.toUpperCase(), date: search.date });
      const { flights } = await api<{ flights: FlightView[] }>("GET", `/flights?${query}`);
      setFlight(flights[0]);
      if (flights.length === 0) setMessage("No such flight. Check the carrier code, number and date on your booking.");
    } catch (error) {
      setMessage(errorText(error));
    }
  };
  // The wallet in the flight's currency; else one the flight has a rate into (a CNY account on a
  // HKD leg), held and debited in its own currency at that rate.
  const wallet =
    me.wallets.find((w) => w.currency === flight?.currency) ??
    me.wallets.find((w) => flight?.rates.some((rate) => rate.currency === w.currency) === true);
  const rate = flight?.rates.find((r) => r.currency === wallet?.currency);
  const limitMinor =
    flight === undefined
      ? 0
      : rate === undefined
        ? flight.capMinorMax
        : convertMinor(money(flight.capMinorMax, flight.currency), rate).amountMinor;
  const maxMinor = Math.min(limitMinor, wallet?.availableMinor ?? 0);
  const capCurrency = wallet?.currency ?? flight?.currency ?? "CNY";
  const capMinor = Math.round(Number(cap) * 100);
  const register = async (event: FormEvent) => {
    event.preventDefault();
    if (flight === undefined) return;
    try {
      const registration = await api<RegistrationView>("POST", "/registrations", {
        flightId: flight.flightId,
        capMinor,
        ...(rate === undefined ? {} : { currency: rate.currency }),
        ...(seat.trim() === "" ? {} : { seat: seat.trim().toUpperCase() }),
      });
      await onRegistered();
      navigate(`/app/passenger/vouchers/${registration.registrationId}`);
    } catch (error) {
      setMessage(errorText(error));
    }
  };
  return (
    <main className="page narrow">
      <h1>Register for a flight</h1>
      <form className="form row" onSubmit={(event) => void find(event)} data-form="find-flight">
        <input
          name="carrier"
          placeholder="9C"
          value={search.carrier}
          onChange={(e) => setSearch({ ...search, carrier: e.target.value })}
          required
        />
        <input
          name="number"
          placeholder="8850"
          value={search.number}
          onChange={(e) => setSearch({ ...search, number: e.target.value })}
          required
        />
        <input name="date" type="date" value={search.date} onChange={(e) => setSearch({ ...search, date: e.target.value })} required />
        <button type="submit">Find</button>
      </form>
      {flight !== undefined && (
        <form className="form card" onSubmit={(event) => void register(event)} data-form="register">
          <h2>
            {flight.carrier}
            {flight.number} {flight.origin} → {flight.destination}
          </h2>
          <p className="muted">Departs {new Date(flight.departureAtMs).toLocaleString()}</p>
          <label>
            How much you may spend on board ({capCurrency}, at most {amount(maxMinor, capCurrency)})
            <input name="cap" inputMode="decimal" value={cap} onChange={(e) => setCap(e.target.value)} required />
          </label>
          <label>
            Seat (optional, helps crew check your boarding pass)
            <input name="seat" value={seat} onChange={(e) => setSeat(e.target.value)} maxLength={4} />
          </label>
          {rate !== undefined && (
            <p className="explain" data-testid="rate-explained">
              This flight sells in {flight.currency}. Your {capCurrency} account is held and debited in {capCurrency} at{" "}
              {describeRate(flight.currency as ExchangeRate["currency"], rate)} ({rate.source}), each purchase rounded half up.
            </p>
          )}
          <p className="explain" data-testid="hold-explained">
            We set this amount aside on your account now (a hold), so your purchases on board are never declined for lack of money. After
            landing you pay only for what you bought, and the rest of the hold is released back to you.
          </p>
          <button type="submit" className="primary" disabled={!(capMinor > 0 && capMinor <= maxMinor)}>
            Register and get my voucher
          </button>
        </form>
      )}
      {message !== undefined && (
        <p className="message" role="alert">
          {message}
        </p>
      )}
    </main>
  );
}
