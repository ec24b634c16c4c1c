/** This flight's sales, newest first, with the purser's void (renderer process). */
import { useState } from "react";
import { firstPurser, PurserPin, type PurserPinValue } from "../components/PurserPin.js";
import { amount, useTerminal } from "../context.js";
import { useKeys } from "../use-key.js";
import { useLoaded } from "../use-loaded.js";

export function SalesScreen() {
  const { api, words, status, language, refresh, fail } = useTerminal();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  // A crew member voids with the purser's PIN typed here; the purser needs none.
  const [override, setOverride] = useState<PurserPinValue>({ crewId: firstPurser(status.flight?.crew ?? []), pin: "" });
  const currency = status.flight?.currency ?? "CNY";
  const purser = status.crew?.role === "purser";
  const { value: sales = [], reload: load } = useLoaded(async (api) => (await api["sale/list"]({})).reverse());
  useKeys((key) => {
    if (key === "Escape") setConfirming(undefined);
  });
  const voidSale = async (recordId: string) => {
    setConfirming(undefined);
    try {
      const result = await api["sale/void"]({ recordId, ...(purser ? {} : { purser: override }) });
      setOverride({ ...override, pin: "" });
      setMessage(result.ok ? undefined : (words.refusals[result.reason] ?? result.detail));
      await load();
      await refresh();
    } catch (error) {
      fail(error);
    }
  };
  return (
    <div className="panel" data-screen="sales">
      <h1>{words.sales}</h1>
      {message !== undefined && (
        <p className="message warn" role="alert">
          {message}
        </p>
      )}
      {sales.length === 0 && <p className="help">{words.noSales}</p>}
      <ul className="sales">
        {sales.map((sale) => (
          <li key={sale.recordId} data-sale={sale.recordId} className={sale.voided ? "voided" : ""}>
            <span className="when">
              {new Date(sale.createdAtMs).toLocaleTimeString(language === "zh" ? "zh-CN" : "en", { hour: "2-digit", minute: "2-digit" })} ·{" "}
              {sale.crewName}
            </span>
            {sale.passengerName !== undefined && (
              <span className="who" data-testid="sale-passenger">
                {sale.passengerName}
                {sale.seat === undefined ? "" : ` · ${words.seat} ${sale.seat}`}
              </span>
            )}
            <span className="what">
              {sale.lines.map((line) => `${line.quantity}× ${language === "zh" ? line.nameZh : line.nameEn}`).join(", ")}
            </span>
            <strong>{amount(sale.totalMinor, currency, language)}</strong>
            {sale.voided && <span className="badge">{words.voided}</span>}
            {sale.refundedMinor > 0 && (
              <span className="badge">
                {words.refunded} {amount(sale.refundedMinor, currency, language)}
              </span>
            )}
            {!sale.voided &&
              sale.refundedMinor === 0 &&
              status.flight?.serviceClosed !== true &&
              (confirming === sale.recordId ? (
                <span className="confirm">
                  {words.confirmVoid}
                  {!purser && <PurserPin value={override} onChange={setOverride} />}
                  <button
                    type="button"
                    className="danger"
                    disabled={!purser && override.pin.length < 4}
                    onClick={() => void voidSale(sale.recordId)}
                    data-testid="confirm-void"
                  >
                    {words.void}
                  </button>
                  <button type="button" onClick={() => setConfirming(undefined)}>
                    {words.cancel}
                  </button>
                </span>
              ) : (
                <button type="button" onClick={() => setConfirming(sale.recordId)} data-testid="void">
                  {words.void}
                </button>
              ))}
          </li>
        ))}
      </ul>
    </div>
  );
}
