/**
 * Finance: what needs a person on a flight (browser): parked settlements to retry, shortfalls to
 * mark as collected elsewhere, rejected records as evidence; each action recorded with who.
 */
import { useCallback, useEffect, useState } from "react";
import { api, errorText } from "../api.js";
import { amount } from "../money.js";

interface Item {
  readonly recordId: string;
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
  readonly actions: readonly { action: string; actor: string; note: string | null; atMs: number }[];
}

export function AttentionQueue({ flightId, onChange }: { flightId: string; onChange: () => void }) {
  const [items, setItems] = useState<Item[]>([]);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | undefined>();
  const load = useCallback(async () => {
    try {
      setItems((await api<{ items: Item[] }>("GET", `/finance/attention?flightId=${flightId}`)).items);
    } catch (error) {
      setMessage(errorText(error));
    }
  }, [flightId]);
  useEffect(() => {
    void load();
  }, [load]);
  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setMessage(undefined);
      await load();
      onChange();
    } catch (error) {
      setMessage(errorText(error));
    }
  };
  return (
    <section className="card" data-testid="attention">
      <h2>Needs attention</h2>
      {items.length === 0 && <p className="muted">Nothing: every sale is settled.</p>}
      {message !== undefined && (
        <p className="message" role="alert">
          {message}
        </p>
      )}
      <ul className="list">
        {items.map((item) => (
          <li key={item.recordId} className="attention-item" data-record={item.recordId}>
            <p>
              <strong>{item.status}</strong> · {item.passengerName ?? "unknown passenger"}
              {item.seat === null ? "" : `, seat ${item.seat}`} · sale {amount(item.totalMinor, item.currency)}
              {item.shortfallMinor > 0 ? ` · not collected ${amount(item.shortfallMinor, item.currency)}` : ""}
              {item.reason === null ? "" : ` · ${item.reason}`}
            </p>
            {item.canRetry && (
              <button
                type="button"
                onClick={() => void act(() => api("POST", `/finance/attention/${item.recordId}/retry`))}
                data-testid="retry"
              >
                Retry settlement
              </button>
            )}
            {item.canMarkCollected && (
              <form
                className="inline"
                onSubmit={(event) => {
                  event.preventDefault();
                  void act(() =>
                    api("POST", `/finance/attention/${item.recordId}/collected-elsewhere`, { note: notes[item.recordId] ?? "" }),
                  );
                }}
              >
                <input
                  name="note"
                  placeholder="How it was collected (card at the gate, …)"
                  value={notes[item.recordId] ?? ""}
                  onChange={(e) => setNotes({ ...notes, [item.recordId]: e.target.value })}
                  minLength={3}
                  required
                />
                <button type="submit" data-testid="collected">
                  Mark as collected elsewhere
                </button>
              </form>
            )}
            {item.actions.map((action) => (
              <p key={`${action.action}-${action.atMs}`} className="muted">
                {action.action.replace("_", " ")} by {action.actor} at {new Date(action.atMs).toLocaleString()}
                {action.note === null ? "" : `: ${action.note}`}
              </p>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}
