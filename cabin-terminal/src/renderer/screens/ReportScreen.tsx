/** The service report so far, and closing the service (purser) with the end-of-service report (renderer process). */
import { useState } from "react";
import { amount, useTerminal } from "../context.js";
import { useLoaded } from "../use-loaded.js";

export function ReportScreen() {
  const { api, words, status, language, refresh, fail } = useTerminal();
  const [confirming, setConfirming] = useState(false);
  const { value: report, setValue: setReport } = useLoaded((api) => api["service/report"]({}));
  const close = async () => {
    setConfirming(false);
    try {
      const result = await api["service/close"]({});
      if (result.closed) setReport(result.report);
      else fail(new Error(result.detail));
      await refresh();
    } catch (error) {
      fail(error);
    }
  };
  if (report === undefined) return null;
  const money = (minor: number) => amount(minor, report.currency, language);
  const closed = status.flight?.serviceClosed === true;
  return (
    <div className="panel report" data-screen="report">
      <h1>
        {words.report} · {report.flightKey} {closed ? `· ${words.serviceClosed}` : ""}
      </h1>
      <div className="figures">
        <div>
          <span>{words.salesCount}</span>
          <strong data-testid="report-sales">
            {report.sales.count} · {money(report.sales.totalMinor)}
          </strong>
        </div>
        <div>
          <span>{words.voids}</span>
          <strong>
            {report.voids.count} · {money(report.voids.totalMinor)}
          </strong>
        </div>
        <div>
          <span>{words.refunds}</span>
          <strong>
            {report.refunds.count} · {money(report.refunds.totalMinor)}
          </strong>
        </div>
        <div>
          <span>{words.net}</span>
          <strong data-testid="report-net">{money(report.netMinor)}</strong>
        </div>
      </div>
      <div className="columns">
        <section>
          <h2>{words.byCategory}</h2>
          <table>
            <tbody>
              {Object.entries(report.byCategory).map(([category, minor]) => (
                <tr key={category}>
                  <td>{words.categories[category] ?? category}</td>
                  <td className="number">{money(minor)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section>
          <h2>{words.byCrew}</h2>
          <table>
            <tbody>
              {Object.entries(report.byCrew).map(([crewId, figures]) => (
                <tr key={crewId}>
                  <td>{crewId}</td>
                  <td className="number">{figures.count}</td>
                  <td className="number">{money(figures.totalMinor)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section>
          <h2>{words.stockLeft}</h2>
          <table>
            <tbody>
              {Object.entries(report.stockLeft).map(([sku, quantity]) => (
                <tr key={sku}>
                  <td>{sku}</td>
                  <td className="number">{quantity}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      {!closed &&
        (confirming ? (
          <div className="confirm">
            <p>{words.confirmClose}</p>
            <button type="button" className="danger" onClick={() => void close()} data-testid="confirm-close">
              {words.closeService}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {words.cancel}
            </button>
          </div>
        ) : (
          <button
            type="button"
            className="primary"
            disabled={status.crew?.role !== "purser"}
            title={status.crew?.role === "purser" ? undefined : words.purserOnly}
            onClick={() => setConfirming(true)}
            data-testid="close-service"
          >
            {words.closeService}
          </button>
        ))}
    </div>
  );
}
