/** After landing (browser): each purchase with its items, what was debited, and the hold released. */
import { useEffect, useState } from "react";
import { api, errorText } from "../api.js";
import { amount } from "../money.js";

export interface Statement {
  readonly registrations: readonly {
    readonly registrationId: string;
    readonly flight: { carrier: string; number: string; date: string; origin: string; destination: string };
    readonly currency: string;
    readonly saleCurrency: string;
    readonly rate: { rateMicros: number; source: string; text: string } | null;
    readonly capMinor: number;
    readonly status: string;
    readonly purchases: readonly {
      readonly recordId: string;
      readonly kind: string;
      readonly atMs: number;
      readonly items: readonly { sku: string; name: string; quantity: number; unitPriceMinor: number }[];
      readonly totalMinor: number;
      readonly settlement: string;
      readonly debitedMinor: number;
      readonly refundedMinor: number;
    }[];
    readonly debitedMinor: number;
    readonly holdReleasedMinor: number;
    readonly releasedAtMs: number | null;
  }[];
}

export function StatementPage() {
  const [statement, setStatement] = useState<Statement | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  useEffect(() => {
    api<Statement>("GET", "/me/statement")
      .then(setStatement)
      .catch((error) => setMessage(errorText(error)));
  }, []);
  return (
    <main className="page" data-page="statement">
      <h1>Statement</h1>
      {message !== undefined && <p className="message">{message}</p>}
      {statement?.registrations.length === 0 && <p className="muted">Nothing yet.</p>}
      {statement?.registrations.map((registration) => (
        <section key={registration.registrationId} className="card">
          <h2>
            {registration.flight.carrier}
            {registration.flight.number} {registration.flight.date} {registration.flight.origin} → {registration.flight.destination}
          </h2>
          <table>
            <tbody>
              {registration.purchases.map((purchase) => (
                <tr key={purchase.recordId}>
                  <td>{new Date(purchase.atMs).toLocaleString()}</td>
                  <td>
                    {purchase.kind === "sale" ? "" : `${purchase.kind}: `}
                    {purchase.items.map((item) => `${item.quantity} × ${item.name}`).join(", ")}
                  </td>
                  {registration.rate !== null && <td className="number">{amount(purchase.totalMinor, registration.saleCurrency)}</td>}
                  <td className="number">{amount(purchase.debitedMinor, registration.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {registration.rate !== null && (
            <p className="muted" data-testid="statement-rate">
              Priced in {registration.saleCurrency}, debited in {registration.currency} at {registration.rate.text} (
              {registration.rate.source}), each purchase rounded half up to the smallest unit of {registration.currency}.
            </p>
          )}
          <p>
            Debited <strong>{amount(registration.debitedMinor, registration.currency)}</strong> · hold released{" "}
            <strong>{amount(registration.holdReleasedMinor, registration.currency)}</strong>
            {registration.releasedAtMs === null ? " (after the flight closes)" : ""}
          </p>
        </section>
      ))}
    </main>
  );
}
