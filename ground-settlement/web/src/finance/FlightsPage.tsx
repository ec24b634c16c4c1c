/** Finance: the flights with their settlement status, filtered by date, carrier and status (browser). */
import { useEffect, useState } from "react";
import type { FlightRowDto } from "../../../src/dto/finance.js";
import { api, errorText } from "../api.js";
import { amount } from "../money.js";
import { Link } from "../router.js";

const STATUSES = ["open", "landed", "settling", "settled", "needs_attention"] as const;

type FlightRow = FlightRowDto;

export function FlightsPage() {
  const [filters, setFilters] = useState({ date: "", carrier: "", status: "" });
  const [flights, setFlights] = useState<FlightRow[] | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  useEffect(() => {
    const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ""));
    api<{ flights: FlightRow[] }>("GET", `/finance/flights?${query}`)
      .then((answer) => setFlights(answer.flights))
      .catch((error) => setMessage(errorText(error)));
  }, [filters]);
  return (
    <main className="page" data-page="finance-flights">
      <h1>Flights</h1>
      <form className="form row" onSubmit={(event) => event.preventDefault()}>
        <input
          name="date"
          type="date"
          value={filters.date}
          onChange={(e) => setFilters({ ...filters, date: e.target.value })}
          aria-label="Date"
        />
        <input
          name="carrier"
          placeholder="Carrier"
          value={filters.carrier}
          onChange={(e) => setFilters({ ...filters, carrier: e.target.value.toUpperCase() })}
          maxLength={3}
        />
        <select
          name="status"
          value={filters.status}
          onChange={(e) => setFilters({ ...filters, status: e.target.value })}
          aria-label="Status"
        >
          <option value="">any status</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {status.replace("_", " ")}
            </option>
          ))}
        </select>
      </form>
      {message !== undefined && <p className="message">{message}</p>}
      <table className="card">
        <thead>
          <tr>
            <th>Flight</th>
            <th>Date</th>
            <th>Status</th>
            <th className="number">Sold on board</th>
            <th className="number">Debited</th>
            <th className="number">Pending</th>
            <th className="number">Needing attention</th>
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
                <span className={`status ${row.status}`}>{row.status.replace("_", " ")}</span>
              </td>
              <td className="number">{amount(row.approvedMinor, row.flight.currency)}</td>
              <td className="number">{amount(row.debitedMinor, row.flight.currency)}</td>
              <td className="number">{row.pendingSettlements}</td>
              <td className="number">{row.attention}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {flights?.length === 0 && <p className="muted">No flights match.</p>}
    </main>
  );
}
