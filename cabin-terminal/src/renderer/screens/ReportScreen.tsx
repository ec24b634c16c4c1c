/** The service report so far, and closing the service (purser) with the end-of-service report (renderer process). */
import { useState } from "react";
import { firstPurser, PurserPin, type PurserPinValue } from "../components/PurserPin.js";
import { amount, flightName, useTerminal } from "../context.js";
import { useLoaded } from "../use-loaded.js";

export function ReportScreen() {
  const { api, words, status, language, refresh, fail } = useTerminal();
  const [confirming, setConfirming] = useState(false);
  const [seal, setSeal] = useState("");
  const purser = status.crew?.role === "purser";
  // Crew close with the purser's PIN typed here (the purser on board may be at the other trolley).
  const [override, setOverride] = useState<PurserPinValue>({ crewId: firstPurser(status.flight?.crew ?? []), pin: "" });
  const [refusal, setRefusal] = useState<string | undefined>();
  const { value: report, setValue: setReport } = useLoaded((api) => api["service/report"]({}));
  // Items by name, not code; an item of an earlier leg this one does not sell keeps its code.
  const { value: catalog } = useLoaded((api) => api["catalog/list"]({}));
  const itemName = (sku: string) => {
    const item = catalog?.find((entry) => entry.sku === sku);
    return item === undefined ? sku : language === "zh" && item.nameZh !== "" ? item.nameZh : item.nameEn;
  };
  const sealNumber = () => (seal.trim() === "" ? {} : { sealNumber: seal.trim().toUpperCase() });
  const close = async () => {
    setConfirming(false);
    try {
      const result = await api["service/close"]({ ...sealNumber(), ...(purser ? {} : { purser: override }) });
      setOverride({ ...override, pin: "" });
      if (result.ok) {
        setSeal("");
        setRefusal(undefined);
        setReport(result.report);
      } else setRefusal(words.refusals[result.reason] ?? result.detail);
      await refresh();
    } catch (error) {
      fail(error);
    }
  };
  const openNext = async () => {
    try {
      await api["service/open-next"](sealNumber());
      setSeal("");
      await refresh();
      setReport(await api["service/report"]({}));
    } catch (error) {
      fail(error);
    }
  };
  if (report === undefined) return null;
  const money = (minor: number) => amount(minor, report.currency, language);
  const minus = (minor: number) => (minor === 0 ? money(0) : `−${money(minor)}`);
  const closed = status.flight?.serviceClosed === true;
  const rotation = status.flight?.rotation;
  const sealInput = (label: string) => (
    <label>
      {label}
      <input name="seal" value={seal} onChange={(event) => setSeal(event.target.value)} maxLength={20} autoCapitalize="characters" />
    </label>
  );
  return (
    <div className="panel report" data-screen="report">
      <h1>
        {words.report} · {flightName(report.flightKey, language)}
        {rotation === undefined ? "" : ` · ${words.leg(rotation.legNumber, rotation.legCount)}`} {closed ? `· ${words.serviceClosed}` : ""}
      </h1>
      {(status.flight?.sealAtOpen ?? status.flight?.sealAtClose) !== undefined && (
        <p className="help" data-testid="report-seals">
          {words.seals(status.flight?.sealAtOpen, status.flight?.sealAtClose)}
        </p>
      )}
      {closed && rotation?.nextFlightKey !== undefined && (
        <section className="confirm" data-testid="next-leg">
          <h2>{words.nextLeg}</h2>
          <p>{words.nextLegHelp(flightName(rotation.nextFlightKey, language), rotation.nextStockCarried)}</p>
          {sealInput(words.sealAtOpen)}
          <button type="button" className="primary" onClick={() => void openNext()} data-testid="open-next-leg">
            {words.openNextLeg}
          </button>
        </section>
      )}
      <div className="figures">
        <div>
          {/* As finance counts them (the ground's reconciliation): every sale approved, voided ones too, then what took them back to the net. */}
          <span>{words.salesCount}</span>
          <strong data-testid="report-sales">
            {report.sales.count + report.voids.count} · {money(report.sales.totalMinor + report.voids.totalMinor)}
          </strong>
        </div>
        <div>
          <span>{words.voids}</span>
          <strong>
            {report.voids.count} · {minus(report.voids.totalMinor)}
          </strong>
        </div>
        <div>
          <span>{words.refunds}</span>
          <strong>
            {report.refunds.count} · {minus(report.refunds.totalMinor)}
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
                  <td>{status.flight?.crew.find((member) => member.crewId === crewId)?.name ?? crewId}</td>
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
                  <td>{itemName(sku)}</td>
                  <td className="number">{quantity}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      {refusal !== undefined && (
        <p className="message warn" role="alert" data-testid="close-refused">
          {refusal}
        </p>
      )}
      {!closed &&
        (confirming ? (
          <div className="confirm">
            <p>{words.confirmClose}</p>
            {sealInput(words.sealAtClose)}
            {!purser && <PurserPin value={override} onChange={setOverride} />}
            <button
              type="button"
              className="danger"
              disabled={!purser && override.pin.length < 4}
              onClick={() => void close()}
              data-testid="confirm-close"
            >
              {words.closeService}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {words.cancel}
            </button>
          </div>
        ) : (
          <button type="button" className="primary" onClick={() => setConfirming(true)} data-testid="close-service">
            {words.closeService}
          </button>
        ))}
    </div>
  );
}
