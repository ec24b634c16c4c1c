/**
 * Finance: one flight's reconciliation (browser): per currency what was approved, debited, short,
 * failed and voided, the holds, a chart of where the money stands, sales per terminal and crew,
 * stock sold against loaded, refused batches kept as evidence, and the CSV export.
 */
import { Fragment, useCallback, useEffect, useState } from "react";
import type { ReconciliationDto } from "../../../src/dto/finance.js";
import type { FlightWithRatesDto } from "../../../src/dto/flights.js";
import { api } from "../api.js";
import { StatusBadge } from "../components/StatusBadge.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";
import { Link } from "../router.js";
import { AttentionQueue } from "./AttentionQueue.js";
import { CabinCounters } from "./CabinCounters.js";
import { ReceiptReports } from "./ReceiptReports.js";

type Reconciliation = ReconciliationDto;

interface RotationStock {
  readonly totals: { loadedByOps: number; sold: number; offloadedAtRestock: number; leftAtEnd: number };
}

export function FlightPage({ flightId }: { flightId: string }) {
  const { t, language, amount, flightClock, when } = useI18n();
  const [report, setReport] = useState<Reconciliation | undefined>();
  const [flight, setFlight] = useState<FlightWithRatesDto | undefined>();
  const [rotationStock, setRotationStock] = useState<RotationStock | undefined>();
  const [problem, setProblem] = useState<unknown>();
  const load = useCallback(() => {
    api<Reconciliation>("GET", `/finance/flights/${flightId}/reconciliation`).then(setReport).catch(setProblem);
  }, [flightId]);
  useEffect(load, [load]);
  useEffect(() => {
    api<FlightWithRatesDto>("GET", `/flights/${flightId}`).then(setFlight).catch(setProblem);
  }, [flightId]);
  const rotationId = report?.rotation?.rotationId;
  useEffect(() => {
    if (rotationId === undefined) return;
    api<RotationStock>("GET", `/finance/rotations/${rotationId}/stock`).then(setRotationStock).catch(setProblem);
  }, [rotationId]);
  if (report === undefined || flight === undefined)
    return <main className="page">{problem === undefined ? t.loading : describeError(problem, t)}</main>;
  const flightName = `${flight.carrier}${flight.number} ${flight.date} ${flight.origin} → ${flight.destination}`;
  const itemName = (sku: string) => {
    const line = report.stock.find((s) => s.sku === sku);
    return line === undefined ? sku : language === "zh" ? line.nameZh : line.nameEn;
  };
  return (
    <main className="page" data-page="finance-flight">
      <p>
        <Link to="/app/finance">{t.finance.backToFlights}</Link>
      </p>
      <h1>
        {t.finance.reconciliation(flightName)} <StatusBadge status={report.status} />
      </h1>
      <a className="button" href={`/finance/flights/${flightId}/reconciliation.csv`} download data-testid="csv">
        {t.finance.downloadCsv}
      </a>
      {report.rotation !== null && (
        <p data-testid="finance-leg">
          {t.finance.leg(report.rotation.legNumber, report.rotation.legCount)} ·{" "}
          {report.rotation.stockCarried ? t.finance.carried : t.finance.loaded}
          {rotationStock !== undefined &&
            ` · ${t.finance.rotationStock(rotationStock.totals.loadedByOps, rotationStock.totals.sold, rotationStock.totals.offloadedAtRestock, rotationStock.totals.leftAtEnd)}`}
        </p>
      )}
      {report.rates.length > 0 && (
        <p data-testid="finance-rates">
          {t.finance.ratesLead} {report.rates.map((rate) => `${rate.text} (${rate.source})`).join(", ")}
        </p>
      )}
      {report.currencies.map((c) => {
        const money = (minor: number) => amount(minor, c.currency);
        return (
          <section key={c.currency} className="card" data-currency={c.currency}>
            <h2>{c.currency}</h2>
            <Figures figures={c} money={money} />
            <StatusChart
              label={t.finance.chart.label}
              parts={[
                { label: t.finance.chart.debited, minor: c.debited.totalMinor, className: "ok" },
                { label: t.finance.chart.shortfall, minor: c.shortfall.amountMinor, className: "warn" },
                { label: t.finance.chart.failed, minor: c.failed.amountMinor, className: "bad" },
                { label: t.finance.chart.pending, minor: c.pending.amountMinor, className: "wait" },
                { label: t.finance.chart.rejected, minor: c.rejected.amountMinor, className: "bad" },
              ]}
              format={money}
            />
            <div className="charts">
              <BarChart
                title={t.finance.byCategory}
                empty={t.finance.noSales}
                bars={c.byCategory.map((b) => ({ label: t.categories[b.category] ?? b.category, minor: b.amountMinor }))}
                format={money}
              />
              <BarChart
                title={`${t.finance.byHour} (${flight.origin})`}
                empty={t.finance.noSales}
                bars={c.byHour.map((b) => ({
                  label: `${flightClock(Date.parse(b.hour), flight.origin)} (${b.count})`,
                  minor: b.amountMinor,
                }))}
                format={money}
              />
            </div>
          </section>
        );
      })}
      <AttentionQueue flightId={flightId} onChange={load} />
      <ReceiptReports flightId={flightId} onChange={load} />
      <CabinCounters flightId={flightId} />
      <section className="card">
        <h2>{t.finance.terminals}</h2>
        <table>
          <tbody>
            {report.terminals.map((terminal) => (
              <tr key={terminal.terminalId}>
                <td>{terminal.name}</td>
                <td className="number">{t.finance.records(terminal.records)}</td>
                <td className="number">{t.finance.sales(terminal.sales.count)}</td>
                <td className="number">{t.finance.voids(terminal.voids.count)}</td>
                <td className="number">{t.finance.net_(amount(terminal.netMinor, flight.currency))}</td>
                <td>{terminal.serviceClosed ? t.finance.serviceClosed : t.finance.serviceOpen}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>{t.finance.crew}</h2>
        <table>
          <tbody>
            {report.crew.map((member) => (
              <tr key={member.crewId}>
                <td>{member.name ?? member.crewId}</td>
                <td className="number">{t.finance.sales(member.sales.count)}</td>
                <td className="number">{t.finance.voids(member.voids.count)}</td>
                <td className="number">{t.finance.net_(amount(member.netMinor, flight.currency))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>{t.finance.stockTitle}</h2>
        <table>
          <tbody>
            {report.stock
              .filter((s) => s.sold > 0)
              .map((s) => (
                <tr key={`${s.trolleyId}-${s.sku}`}>
                  <td>{t.finance.trolley(s.trolleyId)}</td>
                  <td>{language === "zh" ? s.nameZh : s.nameEn}</td>
                  <td className="number">{t.finance.soldOf(s.sold, s.loaded)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </section>
      {report.handovers.length > 0 && (
        <section className="card" data-testid="handovers">
          <h2>{t.finance.handovers}</h2>
          <table>
            <tbody>
              {report.handovers.map((h) => (
                <tr key={h.terminalId}>
                  <td>
                    {t.finance.trolley(h.trolleyId)} ({h.terminalName})
                  </td>
                  <td>{t.finance.seals(h.sealAtOpen ?? t.finance.notRead, h.sealAtClose ?? t.finance.notRead)}</td>
                  <td>
                    {h.sealContinuity === "broken" ? t.finance.sealBroken : h.sealContinuity === "intact" ? t.finance.sealIntact : "—"}
                  </td>
                  <td>
                    {h.stockMismatches.length === 0
                      ? t.finance.stockAsCounted
                      : t.finance.stockMismatches(
                          h.stockMismatches.length,
                          h.stockMismatches.map((m) => t.finance.mismatch(itemName(m.sku), m.reported, m.ground)).join("; "),
                        )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {report.rejectedBatches.length > 0 && (
        <section className="card">
          <h2>{t.finance.refusedBatches}</h2>
          <ul>
            {report.rejectedBatches.map((b) => (
              <li key={b.id}>
                {when(b.receivedAtMs)}: {t.finance.batchReasons[b.reason] ?? t.finance.batchOther}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

type CurrencyFigures = Reconciliation["currencies"][number];

/**
 * One currency's figures, each defined once on the ground (`services/reconciliation.ts`): the
 * sales and what took them back to the net, then the money, then the holds.
 */
function Figures({ figures: c, money }: { figures: CurrencyFigures; money: (minor: number) => string }) {
  const { t } = useI18n();
  const minus = (minor: number) => (minor === 0 ? money(0) : `−${money(minor)}`);
  return (
    <div className="figure-groups">
      <dl className="figures" data-testid="sales-figures">
        <dt className="group">{t.finance.salesTitle}</dt>
        <dd className="group" />
        <dt>{t.finance.approved}</dt>
        <dd>
          {c.approved.count} · {money(c.approved.amountMinor)}
        </dd>
        <dt>{t.finance.voidsLabel}</dt>
        <dd>
          {c.voids.count} · {minus(c.voids.amountMinor)}
        </dd>
        <dt>{t.finance.refundsLabel}</dt>
        <dd>
          {c.refunds.count} · {minus(c.refunds.amountMinor)}
        </dd>
        <dt className="total">{t.finance.net}</dt>
        <dd className="total" data-testid="net">
          {money(c.netMinor)}
        </dd>
      </dl>
      {c.byReason.length > 0 && (
        <dl className="figures" data-testid="reason-figures">
          <dt className="group">{t.finance.byReason}</dt>
          <dd className="group" />
          {c.byReason.map((row) => (
            <Fragment key={row.reason ?? "none"}>
              <dt>{row.reason === null ? t.noReasonRecorded : t.reversalReasons[row.reason]}</dt>
              <dd data-reason={row.reason ?? "none"} data-amount-minor={row.amountMinor}>
                {t.finance.reasonCount(row.count)} · {minus(row.amountMinor)}
              </dd>
            </Fragment>
          ))}
        </dl>
      )}
      <dl className="figures" data-testid="money-figures">
        <dt className="group">{t.finance.moneyTitle}</dt>
        <dd className="group" />
        <dt>{t.finance.debited}</dt>
        <dd data-testid="debited">{money(c.debited.totalMinor)}</dd>
        <dt>{t.finance.fromHoldsBalances}</dt>
        <dd>
          {money(c.debited.fromHoldMinor)} / {money(c.debited.fromBalanceMinor)}
        </dd>
        <dt>{t.finance.givenBack}</dt>
        <dd>{minus(c.voided.reversedMinor)}</dd>
        <dt className="total">{t.finance.netDebited}</dt>
        <dd className="total">{money(c.debited.totalMinor - c.voided.reversedMinor)}</dd>
        <dt>{t.finance.shortfall}</dt>
        <dd>
          {c.shortfall.count} · {money(c.shortfall.amountMinor)} ({money(c.shortfall.collectedElsewhereMinor)})
        </dd>
        <dt>{t.finance.waiting}</dt>
        <dd>
          {c.pending.count} · {money(c.pending.amountMinor)}
        </dd>
        <dt>{t.finance.failed}</dt>
        <dd>
          {c.failed.count} · {money(c.failed.amountMinor)}
        </dd>
        <dt>{t.finance.refused}</dt>
        <dd>
          {c.rejected.count} · {money(c.rejected.amountMinor)}
        </dd>
        {c.collectedAfterRefusal.count > 0 && (
          <>
            <dt>{t.finance.collectedAfterRefusal}</dt>
            <dd data-testid="collected-after-refusal">
              {c.collectedAfterRefusal.count} · {money(c.collectedAfterRefusal.amountMinor)}
            </dd>
          </>
        )}
        {c.receiptedNotReceived.sales.count + c.receiptedNotReceived.reversals.count > 0 && (
          <>
            <dt>{t.finance.receiptedNotReceived}</dt>
            <dd data-testid="receipted-not-received">
              {c.receiptedNotReceived.sales.count} · {money(c.receiptedNotReceived.sales.amountMinor)} ·{" "}
              {c.receiptedNotReceived.reversals.count} · {minus(c.receiptedNotReceived.reversals.amountMinor)}
            </dd>
          </>
        )}
      </dl>
      <dl className="figures">
        <dt className="group">{t.finance.holdsTitle}</dt>
        <dd className="group" />
        <dt>{t.finance.holds}</dt>
        <dd>
          {money(c.holds.placed.amountMinor)} / {money(c.holds.releasedMinor)}
        </dd>
      </dl>
    </div>
  );
}

/** A single stacked bar: where the flight's money stands. */
function StatusChart({
  label,
  parts,
  format,
}: {
  label: string;
  parts: { label: string; minor: number; className: string }[];
  format: (minor: number) => string;
}) {
  const total = parts.reduce((sum, p) => sum + p.minor, 0);
  if (total === 0) return null;
  let x = 0;
  return (
    <figure className="chart">
      <svg viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label={label}>
        {parts
          .filter((part) => part.minor > 0)
          .map((part) => {
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
function BarChart({
  title,
  empty,
  bars,
  format,
}: {
  title: string;
  empty: string;
  bars: { label: string; minor: number }[];
  format: (minor: number) => string;
}) {
  const largest = Math.max(1, ...bars.map((b) => b.minor));
  return (
    <figure className="bars" data-chart={title}>
      <figcaption>{title}</figcaption>
      {bars.length === 0 && <p className="muted">{empty}</p>}
      {bars.map((bar) => (
        <div key={bar.label} className="bar-row">
          <span className="bar-label">{bar.label}</span>
          {/* A bar of nothing has no width: no sliver that reads as "a little". */}
          <span
            className="chart-bar"
            style={{ width: `${(100 * Math.max(0, bar.minor)) / largest}%`, minWidth: bar.minor > 0 ? "2px" : 0 }}
          />
          <span className="bar-value">{format(bar.minor)}</span>
        </div>
      ))}
    </figure>
  );
}
