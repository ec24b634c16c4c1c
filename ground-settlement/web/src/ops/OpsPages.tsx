/**
 * Operations (browser): create flights; for a flight, load the catalog and trolley stock from the
 * airline CSV (a refused file is reported line by line and nothing of it is stored), set the crew
 * roster with PINs, and make one-time enrolment codes; see the enrolled terminals.
 */

import { parseAmount } from "@cabinpay/shared";
import { type ChangeEvent, type FormEvent, useCallback, useEffect, useState } from "react";
import type { FlightRowDto } from "../../../src/dto/finance.js";
import type { FlightSetupDto, FlightWithRatesDto } from "../../../src/dto/flights.js";
import { ApiCallError, api } from "../api.js";
import { StatusBadge } from "../components/StatusBadge.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";
import { Link, navigate } from "../router.js";
import { CodePolicy, SpendPolicy } from "./FlightPolicies.js";
import { Rates } from "./Rates.js";
import { Rotations } from "./Rotations.js";
import { parseRoster, type RosterProblem } from "./roster.js";
import { TopUp } from "./TopUp.js";
import { departureAtMs } from "./wall-clock.js";

type FlightRow = FlightRowDto;

export function OpsHome() {
  const { t } = useI18n();
  const [flights, setFlights] = useState<FlightRow[]>([]);
  const [terminals, setTerminals] = useState<{ terminalId: string; name: string; flightIds: string[] }[]>([]);
  const [form, setForm] = useState({ carrier: "", number: "", date: "", departure: "", origin: "", destination: "", capMax: "2000" });
  const [problem, setProblem] = useState<unknown>();
  useEffect(() => {
    api<{ flights: FlightRow[] }>("GET", "/finance/flights")
      .then((answer) => setFlights(answer.flights))
      .catch(setProblem);
    api<{ terminals: { terminalId: string; name: string; flightIds: string[] }[] }>("GET", "/ops/terminals")
      .then((answer) => setTerminals(answer.terminals))
      .catch(setProblem);
  }, []);
  const set = (field: keyof typeof form) => (event: ChangeEvent<HTMLInputElement>) => setForm({ ...form, [field]: event.target.value });
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const capMax = parseAmount(form.capMax, "CNY");
    const departure = departureAtMs(form.departure, form.origin.toUpperCase());
    if (!capMax.ok || capMax.amountMinor === 0 || departure === undefined) {
      setProblem(new ApiCallError(400, "validation_failed", "cap or departure"));
      return;
    }
    try {
      const flight = await api<{ flightId: string }>("POST", "/ops/flights", {
        carrier: form.carrier.toUpperCase(),
        number: form.number.toUpperCase(),
        date: form.date,
        origin: form.origin.toUpperCase(),
        destination: form.destination.toUpperCase(),
        currency: "CNY",
        departureAtMs: departure,
        capMinorMax: capMax.amountMinor,
      });
      navigate(`/app/ops/flights/${flight.flightId}`);
    } catch (error) {
      setProblem(error);
    }
  };
  return (
    <main className="page" data-page="ops-home">
      <h1>{t.ops.flightsTitle}</h1>
      <form className="form card" onSubmit={(event) => void create(event)} data-form="create-flight">
        <h2>{t.ops.createTitle}</h2>
        <div className="grid">
          <label>
            {t.ops.carrier}
            <input name="carrier" value={form.carrier} onChange={set("carrier")} maxLength={3} required />
          </label>
          <label>
            {t.ops.number}
            <input name="number" value={form.number} onChange={set("number")} maxLength={5} required />
          </label>
          <label>
            {t.ops.date}
            <input name="date" type="date" value={form.date} onChange={set("date")} required />
          </label>
          <label>
            {t.ops.departure}
            <input name="departure" type="datetime-local" value={form.departure} onChange={set("departure")} required />
          </label>
          <label>
            {t.ops.origin}
            <input name="origin" value={form.origin} onChange={set("origin")} maxLength={3} required />
          </label>
          <label>
            {t.ops.destination}
            <input name="destination" value={form.destination} onChange={set("destination")} maxLength={3} required />
          </label>
          <label>
            {t.ops.capMax("CNY")}
            <input name="capMax" value={form.capMax} onChange={set("capMax")} inputMode="decimal" required />
          </label>
        </div>
        <button type="submit" className="primary">
          {t.ops.create}
        </button>
      </form>
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
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
              <td>
                <StatusBadge status={row.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Rotations flights={flights.map((row) => row.flight)} />
      <TopUp />
      <section className="card">
        <h2>{t.ops.terminalsTitle}</h2>
        <ul className="list" data-testid="terminals">
          {terminals.map((terminal) => (
            <li key={terminal.terminalId}>
              {terminal.name}:{" "}
              {terminal.flightIds
                .map((id) => flights.find((row) => row.flight.flightId === id))
                .map((row) => (row === undefined ? t.ops.aFlight : `${row.flight.carrier}${row.flight.number} ${row.flight.date}`))
                .join(", ") || t.ops.noFlightYet}
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}

export function OpsFlight({ flightId }: { flightId: string }) {
  const { t, flightTime } = useI18n();
  const [flight, setFlight] = useState<FlightWithRatesDto | undefined>();
  const [catalogReport, setCatalogReport] = useState<
    { items: number; trolleys: string[] } | { problems: { line: number; message: string }[] } | undefined
  >();
  const [code, setCode] = useState<string | undefined>();
  const [trolleyId, setTrolleyId] = useState("A");
  const [problem, setProblem] = useState<unknown>();
  const [setup, setSetup] = useState<FlightSetupDto | undefined>();
  const reloadSetup = useCallback(() => {
    api<FlightSetupDto>("GET", `/ops/flights/${flightId}/setup`).then(setSetup).catch(setProblem);
  }, [flightId]);
  useEffect(() => {
    api<FlightWithRatesDto>("GET", `/flights/${flightId}`).then(setFlight).catch(setProblem);
    reloadSetup();
  }, [flightId, reloadSetup]);
  const loadCatalog = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file === undefined) return;
    try {
      setCatalogReport(
        await api<{ items: number; trolleys: string[] }>("PUT", `/ops/flights/${flightId}/catalog`, await file.text(), "text/csv"),
      );
      reloadSetup();
    } catch (error) {
      if (error instanceof ApiCallError && error.code === "invalid_catalog" && Array.isArray(error.details))
        setCatalogReport({ problems: error.details as { line: number; message: string }[] });
      else setProblem(error);
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
      setProblem(undefined);
      reloadSetup();
    } catch (error) {
      setProblem(error);
    }
  };
  const flightName =
    flight === undefined ? "" : `${flight.carrier}${flight.number} ${flight.date} ${flight.origin} → ${flight.destination}`;
  return (
    <main className="page" data-page="ops-flight">
      <p>
        <Link to="/app/ops">{t.ops.backToFlights}</Link>
      </p>
      <h1>{t.ops.flightTitle(flightName)}</h1>
      {flight !== undefined && <p className="muted">{t.register.departs(flightTime(flight.departureAtMs, flight.origin))}</p>}
      <section className="card">
        <h2>{t.ops.catalogTitle}</h2>
        <p className="muted">{t.ops.catalogHelp}</p>
        <label>
          {t.ops.catalogFile}
          <input type="file" accept=".csv,text/csv" onChange={(event) => void loadCatalog(event)} data-testid="catalog-file" />
        </label>
        {catalogReport !== undefined && "items" in catalogReport && (
          <p data-testid="catalog-ok">{t.ops.catalogLoaded(catalogReport.items, catalogReport.trolleys.join(", "))}</p>
        )}
        {setup !== undefined && flight !== undefined && <CatalogTable setup={setup} currency={flight.currency} />}
        {catalogReport !== undefined && "problems" in catalogReport && (
          <div role="alert" data-testid="catalog-problems">
            <p className="message">{t.ops.catalogRefused}</p>
            <ul>
              {catalogReport.problems.map((p) => (
                <li key={`${p.line}-${p.message}`}>{t.ops.line(p.line, p.message)}</li>
              ))}
            </ul>
          </div>
        )}
      </section>
      {flight !== undefined && <CodePolicy flightId={flightId} current={flight.codePolicy} />}
      {flight !== undefined && <SpendPolicy flightId={flightId} current={flight.spendPolicy} />}
      <Rates flightId={flightId} />
      <Roster flightId={flightId} crew={setup?.crew ?? []} onSaved={reloadSetup} />
      <section className="card">
        <h2>{t.ops.enrolTitle}</h2>
        <label>
          {t.ops.trolley}
          <input name="trolleyId" value={trolleyId} onChange={(e) => setTrolleyId(e.target.value)} maxLength={16} />
        </label>
        <button type="button" onClick={() => void newCode()}>
          {t.ops.newCode}
        </button>
        {code !== undefined && (
          <p className="code" data-testid="enrolment-code">
            {code}
          </p>
        )}
        <p className="muted">{t.ops.codeHelp}</p>
        {setup !== undefined && (
          <ul className="list" data-testid="flight-terminals">
            {setup.trolleys.map((trolley) => {
              const holder = setup.terminals.find((terminal) => terminal.trolleyId === trolley);
              return <li key={trolley}>{t.ops.rotations.trolley(trolley, holder?.name ?? null)}</li>;
            })}
          </ul>
        )}
      </section>
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
    </main>
  );
}

/** The catalog as loaded: each item's names, price and each trolley's opening stock. */
function CatalogTable({ setup, currency }: { setup: FlightSetupDto; currency: string }) {
  const { t, language, amount } = useI18n();
  if (setup.catalog.length === 0) return <p className="muted">{t.ops.noCatalog}</p>;
  return (
    <div className="scroll">
      <table data-testid="catalog">
        <thead>
          <tr>
            <th>{t.ops.item}</th>
            <th>{t.ops.category}</th>
            <th className="number">{t.ops.price}</th>
            {setup.trolleys.map((trolley) => (
              <th key={trolley} className="number">
                {t.finance.trolley(trolley)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {setup.catalog.map((item) => (
            <tr key={item.sku}>
              <td>{language === "zh" ? item.nameZh : item.nameEn}</td>
              <td>{t.categories[item.category] ?? item.category}</td>
              <td className="number">{amount(item.priceMinor, currency)}</td>
              {setup.trolleys.map((trolley) => (
                <td key={trolley} className="number">
                  {item.stock[trolley] ?? 0}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The crew roster: typed as lines, every line's problem said at once before anything is sent. */
function Roster({ flightId, crew, onSaved }: { flightId: string; crew: FlightSetupDto["crew"]; onSaved: () => void }) {
  const { t } = useI18n();
  const [roster, setRoster] = useState("");
  const [result, setResult] = useState<{ saved: number } | { lines: { line: number; problem: RosterProblem }[] } | { error: unknown }>();
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const { entries, problems } = parseRoster(roster);
    if (problems.length > 0 || entries.length === 0) {
      setResult({ lines: problems.length > 0 ? problems : [{ line: 1, problem: "fields" }] });
      return;
    }
    try {
      const saved = await api<{ crew: number }>("PUT", `/ops/flights/${flightId}/crew`, { crew: entries });
      setResult({ saved: saved.crew });
      setRoster(""); // the PINs were sent once; they are not kept on the page
      onSaved();
    } catch (error) {
      setResult({ error });
    }
  };
  return (
    <form className="card form" onSubmit={(event) => void save(event)} data-form="roster">
      <h2>{t.ops.rosterTitle}</h2>
      {crew.length === 0 ? (
        <p className="muted">{t.ops.noRoster}</p>
      ) : (
        <ul className="list" data-testid="roster">
          {crew.map((member) => (
            <li key={member.crewId}>
              {member.name} · {t.ops.roles[member.role]}
            </li>
          ))}
        </ul>
      )}
      <label>
        {t.ops.rosterHelp}
        <textarea name="roster" rows={5} value={roster} onChange={(e) => setRoster(e.target.value)} spellCheck={false} />
      </label>
      <button type="submit">{t.ops.rosterSave}</button>
      {result !== undefined && "saved" in result && <p data-testid="roster-saved">{t.ops.rosterSaved(result.saved)}</p>}
      {result !== undefined && "error" in result && (
        <p className="message" role="alert">
          {describeError(result.error, t)}
        </p>
      )}
      {result !== undefined && "lines" in result && (
        <ul className="message" role="alert" data-testid="roster-problems">
          {result.lines.map(({ line, problem }) => (
            <li key={line}>{t.ops.rosterProblems[problem](line)}</li>
          ))}
        </ul>
      )}
    </form>
  );
}
