/**
 * Operations (browser): create flights; for a flight, load the catalog and trolley stock from the
 * airline CSV (a refused file is reported line by line and nothing of it is stored), set the crew
 * roster with PINs, and make one-time enrolment codes; see the enrolled terminals.
 */
import { type ChangeEvent, type FormEvent, useEffect, useState } from "react";
import type { FlightRowDto } from "../../../src/dto/finance.js";
import { ApiCallError, api, errorText } from "../api.js";
import { Link, navigate } from "../router.js";
import { Rates } from "./Rates.js";
import { Rotations } from "./Rotations.js";

type FlightRow = FlightRowDto;

export function OpsHome() {
  const [flights, setFlights] = useState<FlightRow[]>([]);
  const [terminals, setTerminals] = useState<{ terminalId: string; name: string; flightIds: string[] }[]>([]);
  const [form, setForm] = useState({ carrier: "9C", number: "", date: "", departure: "", origin: "", destination: "", capMax: "2000" });
  const [message, setMessage] = useState<string | undefined>();
  useEffect(() => {
    api<{ flights: FlightRow[] }>("GET", "/finance/flights")
      .then((answer) => setFlights(answer.flights))
      .catch((error) => setMessage(errorText(error)));
    api<{ terminals: { terminalId: string; name: string; flightIds: string[] }[] }>("GET", "/ops/terminals")
      .then((answer) => setTerminals(answer.terminals))
      .catch((error) => setMessage(errorText(error)));
  }, []);
  const set = (field: keyof typeof form) => (event: ChangeEvent<HTMLInputElement>) => setForm({ ...form, [field]: event.target.value });
  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const flight = await api<{ flightId: string }>("POST", "/ops/flights", {
        carrier: form.carrier.toUpperCase(),
        number: form.number.toUpperCase(),
        date: form.date,
        origin: form.origin.toUpperCase(),
        destination: form.destination.toUpperCase(),
        currency: "CNY",
        departureAtMs: new Date(form.departure).getTime(),
        capMinorMax: Math.round(Number(form.capMax) * 100),
      });
      navigate(`/app/ops/flights/${flight.flightId}`);
    } catch (error) {
      setMessage(errorText(error));
    }
  };
  return (
    <main className="page" data-page="ops-home">
      <h1>Flights</h1>
      <form className="form card" onSubmit={(event) => void create(event)} data-form="create-flight">
        <h2>Create a flight</h2>
        <div className="grid">
          <input name="carrier" value={form.carrier} onChange={set("carrier")} aria-label="Carrier" maxLength={3} required />
          <input name="number" value={form.number} onChange={set("number")} placeholder="Number" maxLength={5} required />
          <input name="date" type="date" value={form.date} onChange={set("date")} aria-label="Date" required />
          <input
            name="departure"
            type="datetime-local"
            value={form.departure}
            onChange={set("departure")}
            aria-label="Departure"
            required
          />
          <input name="origin" value={form.origin} onChange={set("origin")} placeholder="From (PVG)" maxLength={3} required />
          <input name="destination" value={form.destination} onChange={set("destination")} placeholder="To (CTU)" maxLength={3} required />
          <label>
            Largest cap (CNY)
            <input name="capMax" value={form.capMax} onChange={set("capMax")} inputMode="decimal" required />
          </label>
        </div>
        <button type="submit" className="primary">
          Create flight
        </button>
      </form>
      {message !== undefined && (
        <p className="message" role="alert">
          {message}
        </p>
      )}
      <table className="card">
        <tbody>
          {flights.map((row) => (
            <tr key={row.flight.flightId}>
              <td>
                <Link to={`/app/ops/flights/${row.flight.flightId}`}>
                  {row.flight.carrier}
                  {row.flight.number}
                </Link>
              </td>
              <td>{row.flight.date}</td>
              <td>{row.status.replace("_", " ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Rotations flights={flights.map((row) => row.flight)} />
      <section className="card">
        <h2>Enrolled terminals</h2>
        <ul className="list" data-testid="terminals">
          {terminals.map((terminal) => (
            <li key={terminal.terminalId}>
              {terminal.name}:{" "}
              {terminal.flightIds
                .map((id) => flights.find((row) => row.flight.flightId === id))
                .map((row) => (row === undefined ? "a flight" : `${row.flight.carrier}${row.flight.number} ${row.flight.date}`))
                .join(", ") || "no flight yet"}
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}

export function OpsFlight({ flightId }: { flightId: string }) {
  const [catalogReport, setCatalogReport] = useState<{ ok: string } | { problems: { line: number; message: string }[] } | undefined>();
  const [roster, setRoster] = useState("C1001, Li Na, purser, 2468\nC1002, Wang Fang, crew, 1357");
  const [crewMessage, setCrewMessage] = useState<string | undefined>();
  const [code, setCode] = useState<string | undefined>();
  const [trolleyId, setTrolleyId] = useState("A");
  const [message, setMessage] = useState<string | undefined>();
  const loadCatalog = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file === undefined) return;
    try {
      const loaded = await api<{ items: number; trolleys: string[] }>(
        "PUT",
        `/ops/flights/${flightId}/catalog`,
        await file.text(),
        "text/csv",
      );
      setCatalogReport({ ok: `${loaded.items} items loaded on trolleys ${loaded.trolleys.join(", ")}` });
    } catch (error) {
      if (error instanceof ApiCallError && error.code === "invalid_catalog" && Array.isArray(error.details))
        setCatalogReport({ problems: error.details as { line: number; message: string }[] });
      else setMessage(errorText(error));
    }
  };
  const saveRoster = async (event: FormEvent) => {
    event.preventDefault();
    const crew = roster
      .split("\n")
      .map((line) => line.split(",").map((field) => field.trim()))
      .filter((fields) => fields.length === 4)
      .map(([crewId, name, role, pin]) => ({ crewId, name, role, pin }));
    try {
      const saved = await api<{ crew: number }>("PUT", `/ops/flights/${flightId}/crew`, { crew });
      setCrewMessage(`${saved.crew} crew members saved; their PINs are kept only as verifiers.`);
    } catch (error) {
      setCrewMessage(errorText(error));
    }
  };
  const newCode = async () => {
    try {
      const trolley = trolleyId.trim().toUpperCase();
      const made = await api<{ code: string }>("POST", "/ops/enrolment-codes", {
        name: `Trolley ${trolley}`,
        flightId,
        trolleyId: trolley,
      });
      setCode(made.code);
    } catch (error) {
      setMessage(errorText(error));
    }
  };
  return (
    <main className="page" data-page="ops-flight">
      <p>
        <Link to="/app/ops">← Flights</Link>
      </p>
      <section className="card">
        <h2>Catalog and trolley stock</h2>
        <p className="muted">
          The airline CSV: sku,name_en,name_zh,category,price_minor,currency,trolley_a_stock,… All lines load, or none.
        </p>
        <input type="file" accept=".csv,text/csv" onChange={(event) => void loadCatalog(event)} data-testid="catalog-file" />
        {catalogReport !== undefined && "ok" in catalogReport && <p data-testid="catalog-ok">{catalogReport.ok}</p>}
        {catalogReport !== undefined && "problems" in catalogReport && (
          <div role="alert" data-testid="catalog-problems">
            <p className="message">The file was refused; nothing of it was stored. Fix these lines and load it again:</p>
            <ul>
              {catalogReport.problems.map((problem) => (
                <li key={`${problem.line}-${problem.message}`}>
                  line {problem.line}: {problem.message}
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>
      <Rates flightId={flightId} />
      <form className="card form" onSubmit={(event) => void saveRoster(event)}>
        <h2>Crew roster</h2>
        <label>
          One line per crew member: id, name, crew or purser, PIN (4 to 8 digits)
          <textarea name="roster" rows={5} value={roster} onChange={(e) => setRoster(e.target.value)} />
        </label>
        <button type="submit">Save roster</button>
        {crewMessage !== undefined && <p>{crewMessage}</p>}
      </form>
      <section className="card">
        <h2>Enrol a terminal</h2>
        <label>
          Trolley (one terminal per trolley)
          <input name="trolleyId" value={trolleyId} onChange={(e) => setTrolleyId(e.target.value)} maxLength={16} />
        </label>
        <button type="button" onClick={() => void newCode()}>
          New one-time code
        </button>
        {code !== undefined && (
          <p className="code" data-testid="enrolment-code">
            {code}
          </p>
        )}
        <p className="muted">
          Valid for 24 hours, once. The terminal enrols onto this trolley of this flight with it; a trolley already held by a terminal is
          refused, saying which.
        </p>
      </section>
      {message !== undefined && (
        <p className="message" role="alert">
          {message}
        </p>
      )}
    </main>
  );
}
