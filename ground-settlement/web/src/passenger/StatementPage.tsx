/**
 * After landing (browser): each purchase, void and refund as a signed line, what was debited, the
 * hold released, and the receipts this phone kept compared with it.
 */
import { useEffect, useState } from "react";
import type { StatementDto } from "../../../src/dto/statement.js";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";
import { linesTotalMinor, statementLines } from "./statement-lines.js";
import { Witness } from "./Witness.js";

export function StatementPage() {
  const { t, language, amount, when } = useI18n();
  const [statement, setStatement] = useState<StatementDto | undefined>();
  const [problem, setProblem] = useState<unknown>();
  useEffect(() => {
    api<StatementDto>("GET", "/me/statement").then(setStatement).catch(setProblem);
  }, []);
  const signed = (minor: number, currency: string) => (minor < 0 ? `−${amount(-minor, currency)}` : amount(minor, currency));
  return (
    <main className="page" data-page="statement">
      <h1>{t.statement.title}</h1>
      {problem !== undefined && <p className="message">{describeError(problem, t)}</p>}
      {statement?.registrations.length === 0 && <p className="muted">{t.statement.nothing}</p>}
      {statement?.registrations.map((registration) => {
        const lines = statementLines(registration);
        return (
          <section key={registration.registrationId} className="card statement" data-registration={registration.registrationId}>
            <h2>
              {registration.flight.carrier}
              {registration.flight.number} {registration.flight.date} {registration.flight.origin} → {registration.flight.destination}
            </h2>
            <table>
              <thead>
                <tr>
                  <th className="when">{t.statement.when}</th>
                  <th>{t.statement.what}</th>
                  {registration.rate !== null && <th className="number">{t.statement.priced}</th>}
                  <th className="number">{t.statement.debited}</th>
                </tr>
              </thead>
              <tbody>
                {lines.map(({ purchase, signedMinor, waiting }, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: ids may repeat (a record keyed by the ground's id shows its terminal's, which another record holds); rows never move or keep state
                  <tr key={`${index}:${purchase.recordId}`} data-kind={purchase.kind} data-signed-minor={signedMinor}>
                    <td className="when">{when(purchase.atMs)}</td>
                    <td>
                      {t.statement.kinds[purchase.kind] ?? purchase.kind}
                      {purchase.kind !== "sale" &&
                        ` · ${purchase.reason === null ? t.noReasonRecorded : t.reversalReasons[purchase.reason]}`}
                      : {purchase.items.map((item) => `${item.quantity} × ${language === "zh" ? item.nameZh : item.name}`).join(", ")}
                      {/* On a phone the time goes under the line instead of a column of its own. */}
                      <span className="when-inline muted">{when(purchase.atMs)}</span>
                    </td>
                    {registration.rate !== null && <td className="number">{amount(purchase.totalMinor, registration.saleCurrency)}</td>}
                    <td className="number">{waiting ? t.statement.notSettled : signed(signedMinor, registration.currency)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <td className="when" />
                  <th colSpan={registration.rate === null ? 1 : 2}>{t.statement.totalDebited}</th>
                  <td className="number" data-testid="statement-total">
                    <strong>{signed(linesTotalMinor(lines), registration.currency)}</strong>
                  </td>
                </tr>
              </tfoot>
            </table>
            {registration.rate !== null && (
              <p className="muted" data-testid="statement-rate">
                {t.statement.rateExplained(
                  registration.saleCurrency,
                  registration.currency,
                  registration.rate.text,
                  registration.rate.source,
                )}
              </p>
            )}
            <p>
              {t.statement.holdReleased} <strong>{amount(registration.holdReleasedMinor, registration.currency)}</strong>
              {registration.releasedAtMs === null ? ` ${t.statement.afterClose}` : ""}
            </p>
            <Witness registration={registration} />
          </section>
        );
      })}
    </main>
  );
}
