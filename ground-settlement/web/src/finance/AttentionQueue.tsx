/**
 * Finance: what needs a person, on one flight or across all (browser): parked settlements to
 * retry, shortfalls to mark as collected elsewhere, a sale refused because its passenger had
 * cancelled to collect from their balance, and any of them or a refused sale to accept as a loss
 * with a note; each action recorded with who. Every item has a way out of the queue.
 */
import { useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import { NoteForm } from "../components/NoteForm.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";
import { FlightPrefix } from "./FlightPrefix.js";

interface Item {
  readonly recordId: string;
  readonly flightId: string;
  readonly carrier: string;
  readonly number: string;
  readonly date: string;
  readonly status: string;
  readonly reason: string | null;
  readonly totalMinor: number;
  readonly currency: string;
  readonly shortfallMinor: number;
  readonly passengerName: string | null;
  readonly seat: string | null;
  readonly createdAtMs: number;
  readonly canRetry: boolean;
  readonly canMarkCollected: boolean;
  readonly canCollectFromBalance: boolean;
  readonly canWriteOff: boolean;
  readonly actions: readonly { action: string; actor: string; note: string | null; atMs: number }[];
}

/** With a flight, that flight's items; without, every flight's, each naming its flight. */
export function AttentionQueue({ flightId, onChange }: { flightId?: string; onChange: () => void }) {
  const { t, amount, when } = useI18n();
  const [items, setItems] = useState<Item[]>([]);
  const [problem, setProblem] = useState<unknown>();
  const load = useCallback(async () => {
    try {
      const query = flightId === undefined ? "" : `?flightId=${flightId}`;
      setItems((await api<{ items: Item[] }>("GET", `/finance/attention${query}`)).items);
    } catch (error) {
      setProblem(error);
    }
  }, [flightId]);
  useEffect(() => {
    void load();
  }, [load]);
  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setProblem(undefined);
      await load();
      onChange();
    } catch (error) {
      setProblem(error);
    }
  };
  // A refusal's reason in words; a settlement that failed for another reason says so plainly.
  const reasonText = (item: Item) => {
    const words =
      item.reason === null
        ? undefined
        : (t.attention.reasons[item.reason] ?? (item.status === "failed" ? t.attention.otherReason : undefined));
    return words === undefined ? "" : ` · ${words}`;
  };
  return (
    <section className="card" data-testid="attention">
      <h2>{t.attention.title}</h2>
      {items.length === 0 && <p className="muted">{t.attention.nothing}</p>}
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
      <ul className="list">
        {items.map((item) => (
          <li key={item.recordId} className="attention-item" data-record={item.recordId} data-status={item.status}>
            <p>
              <FlightPrefix shown={flightId === undefined} flight={item} />
              <strong>{t.attention.statuses[item.status] ?? item.status}</strong> · {item.passengerName ?? t.attention.unknownPassenger}
              {item.seat === null ? "" : `, ${t.attention.seat(item.seat)}`} · {t.attention.sale(amount(item.totalMinor, item.currency))}
              {item.shortfallMinor > 0 ? ` · ${t.attention.notCollected(amount(item.shortfallMinor, item.currency))}` : ""}
              {reasonText(item)}
            </p>
            {item.canRetry && (
              <button
                type="button"
                onClick={() => void act(() => api("POST", `/finance/attention/${item.recordId}/retry`))}
                data-testid="retry"
              >
                {t.attention.retry}
              </button>
            )}
            {item.canMarkCollected && (
              <NoteForm
                label={t.attention.note}
                placeholder={t.attention.notePlaceholder}
                button={t.attention.markCollected}
                testId="collected"
                onSubmit={(note) => act(() => api("POST", `/finance/attention/${item.recordId}/collected-elsewhere`, { note }))}
              />
            )}
            {item.canCollectFromBalance && (
              <NoteForm
                label={t.attention.collectNote}
                button={t.attention.collectFromBalance}
                testId="collect-from-balance"
                onSubmit={(note) => act(() => api("POST", `/finance/attention/${item.recordId}/collect-from-balance`, { note }))}
              />
            )}
            {item.canWriteOff && (
              <NoteForm
                label={t.attention.writeOffNote}
                button={t.attention.writeOff}
                testId="write-off"
                onSubmit={(note) => act(() => api("POST", `/finance/attention/${item.recordId}/write-off`, { note }))}
              />
            )}
            {item.actions.map((action) => (
              <p key={`${action.action}-${action.atMs}`} className="muted">
                {t.attention.by(t.attention.actions[action.action] ?? action.action, action.actor, when(action.atMs))}
                {action.note === null ? "" : `: ${action.note}`}
              </p>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}
