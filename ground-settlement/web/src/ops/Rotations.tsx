/**
 * Rotations on the ops home page (browser): plan an aircraft's legs of a day from the flights of
 * that day, see each leg's stock (loaded, or carried over from the leg before) and who holds each
 * trolley, take the rotation's manifests to the gate in one file, and make a code that enrols a
 * terminal on one trolley for every leg.
 */
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";

interface FlightChoice {
  readonly flightId: string;
  readonly carrier: string;
  readonly number: string;
  readonly date: string;
  readonly departureAtMs: number;
  readonly origin: string;
}

interface Rotation {
  readonly rotationId: string;
  readonly aircraft: string;
  readonly date: string;
  readonly legs: {
    legNumber: number;
    carrier: string;
    number: string;
    origin: string;
    destination: string;
    stockCarried: boolean;
    trolleys: { trolleyId: string; terminalName: string | null }[];
  }[];
}

export function Rotations({ flights }: { flights: readonly FlightChoice[] }) {
  const { t, flightClock } = useI18n();
  const [rotations, setRotations] = useState<Rotation[]>([]);
  const [form, setForm] = useState({ aircraft: "", date: "" });
  const [chosen, setChosen] = useState<string[]>([]);
  const [problem, setProblem] = useState<unknown>();
  const reload = useCallback(() => {
    api<{ rotations: Rotation[] }>("GET", "/ops/rotations")
      .then((answer) => setRotations(answer.rotations))
      .catch(setProblem);
  }, []);
  useEffect(reload, [reload]);
  const ofDay = flights.filter((flight) => flight.date === form.date).sort((a, b) => a.departureAtMs - b.departureAtMs);
  const plan = async (event: FormEvent) => {
    event.preventDefault();
    try {
      // In the order flown: the ground refuses legs out of order.
      const flightIds = ofDay.filter((flight) => chosen.includes(flight.flightId)).map((flight) => flight.flightId);
      await api("POST", "/ops/rotations", { aircraft: form.aircraft.trim().toUpperCase(), date: form.date, flightIds });
      setChosen([]);
      setProblem(undefined);
      reload();
    } catch (error) {
      setProblem(error);
    }
  };
  return (
    <section className="card" data-testid="rotations">
      <h2>{t.ops.rotations.title}</h2>
      <form className="form" onSubmit={(event) => void plan(event)} data-form="plan-rotation">
        <div className="grid">
          <label>
            {t.ops.rotations.aircraft}
            <input
              name="aircraft"
              value={form.aircraft}
              onChange={(e) => setForm({ ...form, aircraft: e.target.value })}
              maxLength={10}
              required
            />
          </label>
          <label>
            {t.ops.rotations.day}
            <input
              name="rotationDate"
              type="date"
              value={form.date}
              onChange={(e) => setForm({ ...form, date: e.target.value })}
              required
            />
          </label>
        </div>
        <fieldset>
          <legend>{t.ops.rotations.legs}</legend>
          {ofDay.length === 0 && <p className="muted">{t.ops.rotations.pickDay}</p>}
          {ofDay.map((flight) => (
            <label key={flight.flightId} className="check">
              <input
                type="checkbox"
                name="leg"
                value={flight.flightId}
                checked={chosen.includes(flight.flightId)}
                onChange={(e) => setChosen(e.target.checked ? [...chosen, flight.flightId] : chosen.filter((id) => id !== flight.flightId))}
              />
              {t.ops.rotations.departs(`${flight.carrier}${flight.number}`, flightClock(flight.departureAtMs, flight.origin))}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={chosen.length < 2}>
          {t.ops.rotations.plan}
        </button>
      </form>
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
      <ul className="list" data-testid="rotation-list">
        {rotations.map((rotation) => (
          <RotationRow key={rotation.rotationId} rotation={rotation} />
        ))}
      </ul>
    </section>
  );
}

function RotationRow({ rotation }: { rotation: Rotation }) {
  const { t } = useI18n();
  const [trolleyId, setTrolleyId] = useState("A");
  const [code, setCode] = useState<string | undefined>();
  const [problem, setProblem] = useState<unknown>();
  const newCode = async () => {
    try {
      const trolley = trolleyId.trim().toUpperCase();
      const made = await api<{ code: string }>("POST", "/ops/enrolment-codes", {
        name: `${rotation.aircraft} trolley ${trolley}`,
        rotationId: rotation.rotationId,
        trolleyId: trolley,
      });
      setCode(made.code);
      setProblem(undefined);
    } catch (error) {
      setProblem(error);
    }
  };
  return (
    <li data-rotation={rotation.aircraft}>
      <strong>
        {rotation.aircraft} · {rotation.date}
      </strong>
      <ol>
        {rotation.legs.map((leg) => (
          <li key={leg.legNumber}>
            {leg.carrier}
            {leg.number} {leg.origin}→{leg.destination} · {leg.stockCarried ? t.ops.rotations.carried : t.ops.rotations.loaded} ·{" "}
            {leg.trolleys.map((trolley) => t.ops.rotations.trolley(trolley.trolleyId, trolley.terminalName)).join(", ")}
          </li>
        ))}
      </ol>
      <a href={`/ops/rotations/${rotation.rotationId}/manifests`} download>
        {t.ops.rotations.download}
      </a>
      <div className="grid">
        <label>
          {t.ops.rotations.trolleyLabel}
          <input name="rotationTrolley" value={trolleyId} onChange={(e) => setTrolleyId(e.target.value)} maxLength={16} />
        </label>
        <button type="button" onClick={() => void newCode()}>
          {t.ops.rotations.codeForTrolley}
        </button>
      </div>
      {code !== undefined && (
        <p className="code" data-testid="rotation-code">
          {code}
        </p>
      )}
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
    </li>
  );
}
