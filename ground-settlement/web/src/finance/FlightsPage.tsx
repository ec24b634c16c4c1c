/** Finance: the flights with their settlement status, filtered by date, carrier and status (browser). */
import { useEffect, useState } from "react";
import type { FlightRowDto } from "../../../src/dto/finance.js";
import { api } from "../api.js";
import { StatusBadge } from "../components/StatusBadge.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";
import { Link } from "../router.js";

const STATUSES = ["open", "landed", "settling", "settled", "needs_attention"] as const;

type FlightRow = FlightRowDto;

export function FlightsPage() {
  const { t, amount } = useI18n();
  const [filters, setFilters] = useState({ date: "", carrier: "", status: "" });
  const [flights, setFlights] = useState<FlightRow[] | undefined>();
  const [problem, setProblem] = useState<unknown>();
  useEffect(() => {
    const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ""));
    api<{ flights: FlightRow[] }>("GET", `/finance/flights?${query}`)
      .then((answer) => setFlights(answer.flights))
      .catch(setProblem);
  }, [filters]);
  return (
    <main className="page" data-page="finance-flights">
      <h1>{t.finance.flightsTitle}</h1>
      <Link to="/app/finance/attention" className="button">
        {t.attention.toAll}
      </Link>
      <form className="form row filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          {t.finance.date}
          <input name="date" type="date" value={filters.date} onChange={(e) => setFilters({ ...filters, date: e.target.value })} />
        </label>
        <label>
          {t.finance.carrier}
          <input
            name="carrier"
            value={filters.carrier}
            onChange={(e) => setFilters({ ...filters, carrier: e.target.value.toUpperCase() })}
            maxLength={3}
          />
        </label>
        <label>
          {t.finance.status}
          <select name="status" value={filters.status} onChange={(e) => setFilters({ ...filters, status: e.target.value })}>
            <option value="">{t.finance.anyStatus}</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {t.statuses[status]}
              </option>
            ))}
          </select>
        </label>
      </form>
      {problem !== undefined && <p className="message">{describeError(problem, t)}</p>}
      <div className="card scroll">
        <table>
          <thead>
            <tr>
              <th>{t.finance.flight}</th>
              <th>{t.finance.date}</th>
              <th>{t.finance.status}</th>
              <th className="number">{t.finance.soldOnBoard}</th>
              <th className="number">{t.finance.debitedColumn}</th>
              <th className="number">{t.finance.pending}</th>
              <th className="number">{t.finance.attention}</th>
            </tr>
          </thead>
          <tbody>
            {flights?.map((row) => (
              <tr key={row.flight.flightId} data-flight={row.flight.flightId}>
                <td>
                  <Link to={`/app/finance/flights/${row.flight.flightId}`}>
                    {row.flight.carrier}
                    {row.flight.number}
                  </Link>
                </td>
                <td>{row.flight.date}</td>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td className="number">{amount(row.approvedMinor, row.flight.currency)}</td>
                <td className="number">{amount(row.debitedMinor, row.flight.currency)}</td>
                <td className="number">{row.pendingSettlements}</td>
                <td className="number">{row.attention}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {flights?.length === 0 && <p className="muted">{t.finance.noFlights}</p>}
    </main>
  );
}
