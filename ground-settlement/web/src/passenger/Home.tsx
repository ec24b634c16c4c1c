/** The passenger's home (browser): balance, vouchers, and what to do next. */
import { useEffect, useState } from "react";
import type { StatementDto } from "../../../src/dto/statement.js";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";
import { Link } from "../router.js";
import { OwedCard } from "./Owed.js";
import type { Me } from "./session.js";

const RECENT_MAX = 5;

export interface RegistrationView {
  readonly registrationId: string;
  readonly flightId: string;
  readonly capMinor: number;
  readonly currency: string;
  readonly status: "active" | "cancelled";
  readonly passengerName: string;
  readonly seat: string | null;
  readonly validUntilMs: number;
  readonly createdAtMs: number;
  /** The voucher as issued (its text); a phone-bound one pays only as this phone's rotating codes. */
  readonly voucherText: string;
  readonly deviceBound: boolean;
  /** Cancelled after the voucher went on board: the hold covers what was sold before, until the flight closes. */
  readonly holdKeptUntilClose: boolean;
}

interface RecentItem {
  readonly atMs: number;
  readonly flight: string;
  readonly items: StatementDto["registrations"][number]["purchases"][number]["items"];
  readonly debitedMinor: number;
  readonly currency: string;
}

export function Home({ me, onChange }: { me: Me; onChange: () => void }) {
  const { t, language, amount, when } = useI18n();
  const [registrations, setRegistrations] = useState<RegistrationView[] | undefined>();
  const [problem, setProblem] = useState<unknown>();
  const [recent, setRecent] = useState<RecentItem[]>([]);
  useEffect(() => {
    api<{ registrations: RegistrationView[] }>("GET", "/registrations")
      .then((answer) => setRegistrations(answer.registrations))
      .catch(setProblem);
    api<StatementDto>("GET", "/me/statement")
      .then((statement) => setRecent(recentOf(statement)))
      .catch(() => undefined); // the statement page says what went wrong; the home page stays useful offline
  }, []);
  const active = registrations?.filter((r) => r.status === "active") ?? [];
  return (
    <main className="page">
      <h1>{t.home.title}</h1>
      <OwedCard availableMinor={(currency) => me.wallets.find((w) => w.currency === currency)?.availableMinor ?? 0} onPaid={onChange} />
      <section className="card">
        <h2>{t.home.balance}</h2>
        {me.wallets.length === 0 && (
          <div data-testid="no-money">
            <p className="muted">{t.home.noMoney}</p>
            <p className="explain">{t.home.addMoney}</p>
          </div>
        )}
        {me.wallets.map((wallet) => (
          <dl key={wallet.currency} className="wallet" data-testid="wallet">
            <dt>{t.home.available}</dt>
            <dd>{amount(wallet.availableMinor, wallet.currency)}</dd>
            <dt>{t.home.held}</dt>
            <dd>{amount(wallet.heldMinor, wallet.currency)}</dd>
          </dl>
        ))}
      </section>
      <section className="card">
        <h2>{t.home.vouchers}</h2>
        {problem !== undefined && <p className="message">{describeError(problem, t)}</p>}
        {registrations !== undefined && active.length === 0 && <p className="muted">{t.home.noVouchers}</p>}
        <ul className="list">
          {active.map((registration) => (
            <li key={registration.registrationId}>
              <Link to={`/app/passenger/vouchers/${registration.registrationId}`} className="voucher-link">
                <strong>{registration.passengerName}</strong>
                <span>
                  {t.home.spendUpTo(amount(registration.capMinor, registration.currency))}
                  {registration.seat === null ? "" : ` · ${t.home.seat(registration.seat)}`}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
      {recent.length > 0 && (
        <section className="card" data-testid="recent">
          <h2>{t.home.recent}</h2>
          <table>
            <tbody>
              {recent.map((item) => (
                <tr key={`${item.atMs}-${item.flight}`}>
                  <td>{when(item.atMs)}</td>
                  <td>
                    {item.flight}: {item.items.map((i) => `${i.quantity} × ${language === "zh" ? i.nameZh : i.name}`).join(", ")}
                  </td>
                  <td className="number">{amount(item.debitedMinor, item.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <nav className="actions">
        <Link to="/app/passenger/register" className="button primary">
          {t.home.register}
        </Link>
        <Link to="/app/passenger/statement" className="button">
          {t.home.statement}
        </Link>
      </nav>
    </main>
  );
}

function recentOf(statement: StatementDto): RecentItem[] {
  return statement.registrations
    .flatMap((r) =>
      r.purchases.map((p) => ({
        atMs: p.atMs,
        flight: `${r.flight.carrier}${r.flight.number}`,
        items: p.items,
        debitedMinor: p.debitedMinor,
        currency: r.currency,
      })),
    )
    .sort((a, b) => b.atMs - a.atMs)
    .slice(0, RECENT_MAX);
}
