/** The passenger's home (browser): balance, vouchers, and what to do next. */
import { useEffect, useState } from "react";
import { api, errorText } from "../api.js";
import { amount } from "../money.js";
import { Link } from "../router.js";
import type { Statement } from "./StatementPage.js";
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
  /** Cancelled after the voucher went on board: the hold covers what was sold before, until the flight closes. */
  readonly holdKeptUntilClose: boolean;
}

export function Home({ me }: { me: Me }) {
  const [registrations, setRegistrations] = useState<RegistrationView[] | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [recent, setRecent] = useState<{ atMs: number; what: string; debited: string }[]>([]);
  useEffect(() => {
    api<{ registrations: RegistrationView[] }>("GET", "/registrations")
      .then((answer) => setRegistrations(answer.registrations))
      .catch((error) => setProblem(errorText(error)));
    api<Statement>("GET", "/me/statement")
      .then((statement) =>
        setRecent(
          statement.registrations
            .flatMap((r) =>
              r.purchases.map((p) => ({
                atMs: p.atMs,
                what: `${r.flight.carrier}${r.flight.number}: ${p.items.map((i) => `${i.quantity} × ${i.name}`).join(", ")}`,
                debited: amount(p.debitedMinor, r.currency),
              })),
            )
            .sort((a, b) => b.atMs - a.atMs)
            .slice(0, RECENT_MAX),
        ),
      )
      .catch(() => undefined); // the statement page says what went wrong; the home page stays useful offline
  }, []);
  const active = registrations?.filter((r) => r.status === "active") ?? [];
  return (
    <main className="page">
      <section className="card">
        <h2>Balance</h2>
        {me.wallets.length === 0 && <p className="muted">No money on your account yet.</p>}
        {me.wallets.map((wallet) => (
          <dl key={wallet.currency} className="wallet" data-testid="wallet">
            <dt>Available</dt>
            <dd>{amount(wallet.availableMinor, wallet.currency)}</dd>
            <dt>Held for your flights</dt>
            <dd>{amount(wallet.heldMinor, wallet.currency)}</dd>
          </dl>
        ))}
      </section>
      <section className="card">
        <h2>Your vouchers</h2>
        {problem !== undefined && <p className="message">{problem}</p>}
        {registrations !== undefined && active.length === 0 && <p className="muted">None yet: register for a flight below.</p>}
        <ul className="list">
          {active.map((registration) => (
            <li key={registration.registrationId}>
              <Link to={`/app/passenger/vouchers/${registration.registrationId}`} className="voucher-link">
                <strong>{registration.passengerName}</strong>
                <span>
                  spend up to {amount(registration.capMinor, registration.currency)}
                  {registration.seat === null ? "" : ` · seat ${registration.seat}`}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
      {recent.length > 0 && (
        <section className="card" data-testid="recent">
          <h2>Recent activity</h2>
          <table>
            <tbody>
              {recent.map((item) => (
                <tr key={`${item.atMs}-${item.what}`}>
                  <td>{new Date(item.atMs).toLocaleDateString()}</td>
                  <td>{item.what}</td>
                  <td className="number">{item.debited}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <nav className="actions">
        <Link to="/app/passenger/register" className="button primary">
          Register for a flight
        </Link>
        <Link to="/app/passenger/statement" className="button">
          Statement
        </Link>
      </nav>
    </main>
  );
}
