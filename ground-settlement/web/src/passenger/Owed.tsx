/**
 * What the passenger still owes from earlier flights (browser): each amount with its flight, paid
 * from the wallet with one tap when it has money, else how to add it. Collected by itself too,
 * once money comes in; until it is paid, registering for another flight is refused.
 */
import { useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";

interface Owed {
  readonly recordId: string;
  readonly currency: string;
  readonly owedMinor: number;
  readonly carrier: string;
  readonly number: string;
  readonly date: string;
}

export function OwedCard({ availableMinor, onPaid }: { availableMinor: (currency: string) => number; onPaid: () => void }) {
  const { t, amount } = useI18n();
  const [owed, setOwed] = useState<Owed[]>([]);
  const [problem, setProblem] = useState<unknown>();
  const load = useCallback(() => {
    api<{ owed: Owed[] }>("GET", "/me/shortfalls")
      .then((answer) => setOwed(answer.owed))
      .catch(() => undefined); // offline: nothing to pay from here anyway
  }, []);
  useEffect(load, [load]);
  const pay = async (recordId: string) => {
    try {
      await api("POST", `/me/shortfalls/${recordId}/pay`);
      setProblem(undefined);
      load();
      onPaid();
    } catch (error) {
      setProblem(error);
    }
  };
  if (owed.length === 0) return null;
  return (
    <section className="card owed" data-testid="owed">
      <h2>{t.owed.title}</h2>
      <p>{t.owed.explain}</p>
      <ul className="list">
        {owed.map((item) => (
          <li key={item.recordId}>
            <span>{t.owed.item(amount(item.owedMinor, item.currency), `${item.carrier}${item.number}`, item.date)}</span>{" "}
            {availableMinor(item.currency) > 0 ? (
              <button type="button" className="primary" onClick={() => void pay(item.recordId)} data-testid="pay-owed">
                {t.owed.pay}
              </button>
            ) : (
              <span className="muted">{t.owed.addMoney}</span>
            )}
          </li>
        ))}
      </ul>
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
    </section>
  );
}
