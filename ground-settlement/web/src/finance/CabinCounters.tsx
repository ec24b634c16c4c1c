/**
 * Finance: what the trolleys told each other in the cabin (issue 20), on a flight's page (browser).
 * Each terminal's latest signed counts that reached the ground, checked against the records it
 * uploaded: matching, waiting for sales a peer heard of, or not matching. Hidden when none came down.
 */
import { useEffect, useState } from "react";
import type { CabinCounterDto } from "../../../src/dto/finance.js";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";

export function CabinCounters({ flightId }: { flightId: string }) {
  const { t, when } = useI18n();
  const [counters, setCounters] = useState<CabinCounterDto[]>([]);
  const [problem, setProblem] = useState<unknown>();
  useEffect(() => {
    api<{ counters: CabinCounterDto[] }>("GET", `/finance/flights/${flightId}/cabin-counters`)
      .then((answer) => setCounters(answer.counters))
      .catch(setProblem);
  }, [flightId]);
  if (counters.length === 0 && problem === undefined) return null;
  return (
    <section className="card" data-testid="cabin-counters">
      <h2>{t.cabinCounters.title}</h2>
      <p className="muted">{t.cabinCounters.explained}</p>
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
      <ul className="list">
        {counters.map((counter) => (
          <li key={counter.terminalId} data-status={counter.status}>
            <strong>{t.cabinCounters.statuses[counter.status]}</strong>
            {counter.vouchersDiffering > 0 && ` · ${t.cabinCounters.differing(counter.vouchersDiffering)}`}
            <p className="muted">
              {t.cabinCounters.line(counter.terminalName, counter.recordsCounted, counter.recordsHeld, when(counter.receivedAtMs))}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
