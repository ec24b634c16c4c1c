/**
 * Finance: one flight's reconciliation (browser): per currency what was approved, debited, short,
 * failed and voided, the holds, a chart of where the money stands, sales per terminal and crew,
 * stock sold against loaded, refused batches kept as evidence, and the CSV export.
 */
import { useCallback, useEffect, useState } from "react";
import type { ReconciliationDto } from "../../../src/dto/finance.js";
import { api, errorText } from "../api.js";
import { amount } from "../money.js";
import { Link } from "../router.js";
import { AttentionQueue } from "./AttentionQueue.js";

type Reconciliation = ReconciliationDto;

interface RotationStock {
  readonly totals: { loadedByOps: number; sold: number; offloadedAtRestock: number; leftAtEnd: number };
}

export function FlightPage({ flightId }: { flightId: string }) {
  const [report, setReport] = useState<Reconciliation | undefined>();
  const [rotationStock, setRotationStock] = useState<RotationStock | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const load = useCallback(() => {
    api<Reconciliation>("GET", `/finance/flights/${flightId}/reconciliation`)
      .then(setReport)
      .catch((error) => setMessage(errorText(error)));
  }, [flightId]);
  useEffect(load, [load]);
  const rotationId = report?.rotation?.rotationId;
  useEffect(() => {
    if (rotationId === undefined) return;
    api<RotationStock>("GET", `/finance/rotations/${rotationId}/stock`)
      .then(setRotationStock)
      .catch((error) => setMessage(errorText(error)));
  }, [rotationId]);
  if (report === undefined) return <main className="page">{message ?? "…"}</main>;
  return (
    <main className="page" data-page="finance-flight">
      <p>
        <Link to="/app/finance">← Flights</Link>
      </p>
      <h1>
        Reconciliation <span className={`status ${report.status}`}>{report.status.replace("_", " ")}</span>
      </h1>
      <a className="button" href={`/finance/flights/${flightId}/reconciliation.csv`} download data-testid="csv">
        Download CSV
      </a>
      {report.rotation !== null && (
        <p data-testid="finance-leg">
          Leg {report.rotation.legNumber} of {report.rotation.legCount} of its aircraft's rotation ·{" "}
          {report.rotation.stockCarried ? "the trolleys flew on with what the leg before left" : "trolleys loaded for this leg"}
          {rotationStock !== undefined &&
            ` · over the rotation, items loaded ${rotationStock.totals.loadedByOps}: sold ${rotationStock.totals.sold}, back to catering at re-stocks ${rotationStock.totals.offloadedAtRestock}, left at the end ${rotationStock.totals.leftAtEnd}`}
        </p>
      )}
      {report.rates.length > 0 && (
        <p data-testid="finance-rates">
          Sold in this flight's currency; accounts in another were debited at{" "}
          {report.rates
            .map((rate) => `${rate.rateMicros / 1_000_000} ${rate.currency} per unit of sale currency (${rate.source})`)
            .join(", ")}
          .
        </p>
      )}
      {report.currencies.map((c) => {
        const money = (minor: number) => amount(minor, c.currency);
        return (
          <section key={c.currency} className="card" data-currency={c.currency}>
            <h2>{c.currency}</h2>
            <dl className="figures">
              <dt>Approved on board</dt>
              <dd>
                {c.approved.count} · {money(c.approved.amountMinor)}
              </dd>
              <dt>Debited</dt>
              <dd data-testid="debited">{money(c.debited.totalMinor)}</dd>
              <dt>… from holds / from balances</dt>
              <dd>
                {money(c.debited.fromHoldMinor)} / {money(c.debited.fromBalanceMinor)}
              </dd>
              <dt>Shortfall (collected elsewhere)</dt>
              <dd>
                {c.shortfall.count} · {money(c.shortfall.amountMinor)} ({money(c.shortfall.collectedElsewhereMinor)})
              </dd>
              <dt>Failed / pending / rejected</dt>
              <dd>
                {c.failed.count} / {c.pending.count} / {c.rejected.count}
              </dd>
              <dt>Voided</dt>
              <dd>
                {c.voided.count} · {money(c.voided.amountMinor)}
              </dd>
              <dt>Holds placed / released</dt>
              <dd>
                {money(c.holds.placed.amountMinor)} / {money(c.holds.releasedMinor)}
              </dd>
            </dl>
            <StatusChart
              parts={[
                { label: "debited", minor: c.debited.totalMinor, className: "ok" },
                { label: "shortfall", minor: c.shortfall.amountMinor, className: "warn" },
                { label: "failed", minor: c.failed.amountMinor, className: "bad" },
                { label: "pending", minor: c.pending.amountMinor, className: "wait" },
                { label: "rejected", minor: c.rejected.amountMinor, className: "bad" },
              ]}
              format={money}
            />
            <div className="charts">
              <BarChart
                title="Sales by category"
                bars={c.byCategory.map((b) => ({ label: b.category.replace("_", " "), minor: b.amountMinor }))}
                format={money}
              />
              <BarChart
                title="Sales by hour (UTC)"
                bars={c.byHour.map((b) => ({ label: `${b.hour.slice(11, 16)} (${b.count})`, minor: b.amountMinor }))}
                format={money}
              />
            </div>
          </section>
        );
      })}
      <AttentionQueue flightId={flightId} onChange={load} />
      <section className="card">
        <h2>Terminals</h2>
        <table>
          <tbody>
            {report.terminals.map((t) => (
              <tr key={t.terminalId}>
                <td>{t.name}</td>
                <td className="number">{t.records} records</td>
                <td className="number">{t.sales.count} sales</td>
                <td className="number">{t.voids.count} voids</td>
                <td>{t.serviceClosed ? "closed" : "open"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Crew</h2>
        <table>
          <tbody>
            {report.crew.map((c) => (
              <tr key={c.crewId}>
                <td>{c.crewId}</td>
                <td className="number">{c.sales.count} sales</td>
                <td className="number">{c.voids.count} voids</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Stock sold against loaded</h2>
        <table>
          <tbody>
            {report.stock
              .filter((s) => s.sold > 0)
              .map((s) => (
                <tr key={`${s.trolleyId}-${s.sku}`}>
                  <td>{s.trolleyId}</td>
                  <td>{s.sku}</td>
                  <td className="number">
                    {s.sold} of {s.loaded}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </section>
      {report.handovers.length > 0 && (
        <section className="card" data-testid="handovers">
          <h2>Purser handovers</h2>
          <table>
            <tbody>
              {report.handovers.map((h) => (
                <tr key={h.terminalId}>
                  <td>
                    Trolley {h.trolleyId} ({h.terminalName})
                  </td>
                  <td>
                    Seal at open {h.sealAtOpen ?? "not read"}, at close {h.sealAtClose ?? "not read"}
                  </td>
                  <td>
                    {h.sealContinuity === "broken"
                      ? "Seal changed since the leg before: ask the purser"
                      : h.sealContinuity === "intact"
                        ? "Seal intact since the leg before"
                        : "—"}
                  </td>
                  <td>
                    {h.stockMismatches.length === 0
                      ? "Stock as counted on board"
                      : `${h.stockMismatches.length} item(s) counted differently on board: ${h.stockMismatches.map((m) => `${m.sku} ${m.reported} on board, ${m.ground} by the records`).join("; ")}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {report.rejectedBatches.length > 0 && (
        <section className="card">
          <h2>Refused batches, kept as evidence</h2>
          <ul>
            {report.rejectedBatches.map((b) => (
              <li key={b.id}>
                {new Date(b.receivedAtMs).toLocaleString()}: {b.reason}, {b.detail}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

/** A single stacked bar: where the flight's money stands. */
function StatusChart({
  parts,
  format,
}: {
  parts: { label: string; minor: number; className: string }[];
  format: (minor: number) => string;
}) {
  const total = parts.reduce((sum, p) => sum + p.minor, 0);
  if (total === 0) return null;
  let x = 0;
  return (
    <figure className="chart">
      <svg viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label="settlement status">
        {parts.map((part) => {
          const width = (100 * part.minor) / total;
          const rect = <rect key={part.label} x={x} y={0} width={width} height={8} className={part.className} />;
          x += width;
          return rect;
        })}
      </svg>
      <figcaption>
        {parts
          .filter((p) => p.minor > 0)
          .map((p) => `${p.label} ${format(p.minor)}`)
          .join(" · ")}
      </figcaption>
    </figure>
  );
}

/** Horizontal bars, one per label, scaled to the largest. */
function BarChart({ title, bars, format }: { title: string; bars: { label: string; minor: number }[]; format: (minor: number) => string }) {
  const largest = Math.max(1, ...bars.map((b) => b.minor));
  return (
    <figure className="bars" data-chart={title}>
      <figcaption>{title}</figcaption>
      {bars.length === 0 && <p className="muted">No sales.</p>}
      {bars.map((bar) => (
        <div key={bar.label} className="bar-row">
          <span className="bar-label">{bar.label}</span>
          <span className="bar" style={{ width: `${(100 * bar.minor) / largest}%` }} />
          <span className="bar-value">{format(bar.minor)}</span>
        </div>
      ))}
    </figure>
  );
}
