/**
 * A flight's exchange rates on the ops flight page (browser): the accounts passengers may register
 * with besides the flight's own currency, and the rate each is debited at. Fixed once a manifest
 * went out to terminals, which the ground says when asked to change them.
 */
import { describeRate, type ExchangeRate, minorUnitsOf } from "@cabinpay/shared";
import { type FormEvent, useEffect, useState } from "react";
import { api, errorText } from "../api.js";

/** "1 HKD = 0.9123 CNY" typed as 0.9123: account minor units per 1,000,000 sale minor units. */
function rateMicrosOf(perMajor: string, saleCurrency: string, accountCurrency: string): number | undefined {
  if (!/^\d{1,6}(\.\d{1,6})?$/.test(perMajor.trim())) return undefined;
  const [whole, fraction = ""] = perMajor.trim().split(".");
  const micros = Number(whole) * 1_000_000 + Number(fraction.padEnd(6, "0"));
  const shift = minorUnitsOf(accountCurrency) - minorUnitsOf(saleCurrency);
  const scaled = shift >= 0 ? micros * 10 ** shift : micros / 10 ** -shift;
  return Number.isSafeInteger(scaled) && scaled > 0 ? scaled : undefined;
}

export function Rates({ flightId }: { flightId: string }) {
  const [flight, setFlight] = useState<{ currency: string; rates: ExchangeRate[] } | undefined>();
  const [form, setForm] = useState({ currency: "CNY", perMajor: "", source: "" });
  const [message, setMessage] = useState<string | undefined>();
  useEffect(() => {
    api<{ currency: string; rates: ExchangeRate[] }>("GET", `/flights/${flightId}`)
      .then(setFlight)
      .catch((error) => setMessage(errorText(error)));
  }, [flightId]);
  if (flight === undefined) return null;
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const currency = form.currency.trim().toUpperCase();
    let rateMicros: number | undefined;
    try {
      rateMicros = rateMicrosOf(form.perMajor, flight.currency, currency);
    } catch {
      rateMicros = undefined;
    }
    if (rateMicros === undefined) {
      setMessage(`Type the rate as a number, such as 0.9123: what 1 ${flight.currency} is in ${currency || "the other currency"}.`);
      return;
    }
    const rates = [...flight.rates.filter((rate) => rate.currency !== currency), { currency, rateMicros, source: form.source.trim() }];
    try {
      const saved = await api<{ rates: ExchangeRate[] }>("PUT", `/ops/flights/${flightId}/rates`, { rates });
      setFlight({ ...flight, rates: saved.rates });
      setMessage(undefined);
    } catch (error) {
      setMessage(errorText(error));
    }
  };
  return (
    <form className="card form" onSubmit={(event) => void save(event)} data-form="rates">
      <h2>Accounts in other currencies</h2>
      <p className="muted">
        This flight sells in {flight.currency}. A passenger whose account is in another currency is held and debited in it at the rate set
        here, each purchase rounded half up. Rates are fixed once terminals have loaded the flight.
      </p>
      <ul className="list" data-testid="rates">
        {flight.rates.length === 0 && <li>None yet: passengers register in {flight.currency}.</li>}
        {flight.rates.map((rate) => (
          <li key={rate.currency}>
            {describeRate(flight.currency as ExchangeRate["currency"], rate)} ({rate.source})
          </li>
        ))}
      </ul>
      <div className="grid">
        <label>
          Account currency
          <input name="rateCurrency" value={form.currency} onChange={(e) => setForm({ ...form, currency: e.target.value })} maxLength={3} />
        </label>
        <label>
          1 {flight.currency} is, in it
          <input
            name="ratePerMajor"
            value={form.perMajor}
            onChange={(e) => setForm({ ...form, perMajor: e.target.value })}
            inputMode="decimal"
          />
        </label>
        <label>
          Where the rate comes from
          <input name="rateSource" value={form.source} onChange={(e) => setForm({ ...form, source: e.target.value })} maxLength={64} />
        </label>
      </div>
      <button type="submit">Save the rate</button>
      {message !== undefined && (
        <p className="message" role="alert">
          {message}
        </p>
      )}
    </form>
  );
}
