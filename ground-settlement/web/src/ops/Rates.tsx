/**
 * A flight's exchange rates on the ops flight page (browser): the accounts passengers may register
 * with besides the flight's own currency, and the rate each is debited at. Fixed once a manifest
 * went out to terminals, which the ground says when asked to change them.
 */
import { describeRate, type ExchangeRate, minorUnitsOf } from "@cabinpay/shared";
import { type FormEvent, useEffect, useState } from "react";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";

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
  const { t } = useI18n();
  const [flight, setFlight] = useState<{ currency: string; rates: ExchangeRate[] } | undefined>();
  const [form, setForm] = useState({ currency: "CNY", perMajor: "", source: "" });
  const [problem, setProblem] = useState<{ error: unknown } | { text: string } | undefined>();
  useEffect(() => {
    api<{ currency: string; rates: ExchangeRate[] }>("GET", `/flights/${flightId}`)
      .then(setFlight)
      .catch((error) => setProblem({ error }));
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
      setProblem({ text: t.ops.rates.badRate(flight.currency, currency || t.ops.rates.theOther) });
      return;
    }
    const rates = [...flight.rates.filter((rate) => rate.currency !== currency), { currency, rateMicros, source: form.source.trim() }];
    try {
      const saved = await api<{ rates: ExchangeRate[] }>("PUT", `/ops/flights/${flightId}/rates`, { rates });
      setFlight({ ...flight, rates: saved.rates });
      setProblem(undefined);
    } catch (error) {
      setProblem({ error });
    }
  };
  return (
    <form className="card form" onSubmit={(event) => void save(event)} data-form="rates">
      <h2>{t.ops.rates.title}</h2>
      <p className="muted">{t.ops.rates.help(flight.currency)}</p>
      <ul className="list" data-testid="rates">
        {flight.rates.length === 0 && <li>{t.ops.rates.none(flight.currency)}</li>}
        {flight.rates.map((rate) => (
          <li key={rate.currency}>
            {describeRate(flight.currency as ExchangeRate["currency"], rate)} ({rate.source})
          </li>
        ))}
      </ul>
      <div className="grid">
        <label>
          {t.ops.rates.accountCurrency}
          <input name="rateCurrency" value={form.currency} onChange={(e) => setForm({ ...form, currency: e.target.value })} maxLength={3} />
        </label>
        <label>
          {t.ops.rates.perUnit(flight.currency)}
          <input
            name="ratePerMajor"
            value={form.perMajor}
            onChange={(e) => setForm({ ...form, perMajor: e.target.value })}
            inputMode="decimal"
          />
        </label>
        <label>
          {t.ops.rates.source}
          <input name="rateSource" value={form.source} onChange={(e) => setForm({ ...form, source: e.target.value })} maxLength={64} />
        </label>
      </div>
      <button type="submit">{t.ops.rates.save}</button>
      {problem !== undefined && (
        <p className="message" role="alert">
          {"text" in problem ? problem.text : describeError(problem.error, t)}
        </p>
      )}
    </form>
  );
}
