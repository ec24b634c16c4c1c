/** This flight's sales, newest first, with the purser's void and refund and why each was made (renderer process). */
import { useState } from "react";
import type { ReceiptQr, SaleListItem } from "../../api/results.js";
import { ReceiptCode } from "../components/ReceiptCode.js";
import { ReversalForm, type ReversalKind } from "../components/ReversalForm.js";
import { amount, useTerminal } from "../context.js";
import { useKeys } from "../use-key.js";
import { useLoaded } from "../use-loaded.js";

export function SalesScreen() {
  const { words, status, refresh } = useTerminal();
  const [open, setOpen] = useState<{ recordId: string; kind: ReversalKind } | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  // The passenger's receipt of the last void or refund, until crew close it.
  const [receipt, setReceipt] = useState<(ReceiptQr & { kind: ReversalKind }) | undefined>();
  const { value: sales = [], reload: load } = useLoaded(async (api) => (await api["sale/list"]({})).reverse());
  useKeys((key) => {
    if (key === "Escape") {
      setOpen(undefined);
      setReceipt(undefined);
    }
  });
  const done = async (refusal: string | undefined, receiptQr?: ReceiptQr) => {
    const kind = open?.kind;
    setOpen(undefined);
    setMessage(refusal);
    setReceipt(receiptQr === undefined || kind === undefined ? undefined : { ...receiptQr, kind });
    await load();
    await refresh();
  };
  const closed = status.flight?.serviceClosed === true;
  return (
    <div className="panel" data-screen="sales">
      <h1>{words.sales}</h1>
      {message !== undefined && (
        <p className="message warn" role="alert">
          {message}
        </p>
      )}
      {receipt !== undefined && (
        <figure className="receipt-qr reversal-receipt" data-testid="reversal-receipt" data-receipt={receipt.text}>
          <ReceiptCode text={receipt.text} alt={words.receiptAlt} />
          <figcaption>
            <strong>{receipt.kind === "void" ? words.voidReceipt : words.refundReceipt}</strong> {words.receiptHelp}
          </figcaption>
          <button type="button" onClick={() => setReceipt(undefined)} data-testid="close-receipt">
            {words.done}
          </button>
        </figure>
      )}
      {sales.length === 0 && <p className="help">{words.noSales}</p>}
      <ul className="sales">
        {sales.map((sale) => (
          <li key={sale.recordId} data-sale={sale.recordId} className={sale.voided ? "voided" : ""}>
            <SaleSummary sale={sale} />
            {!closed &&
              (open?.recordId === sale.recordId ? (
                <ReversalForm
                  sale={sale}
                  kind={open.kind}
                  onDone={(refusal, receiptQr) => void done(refusal, receiptQr)}
                  onCancel={() => setOpen(undefined)}
                />
              ) : (
                <span className="confirm">
                  {!sale.voided && sale.refundedMinor === 0 && (
                    <button type="button" onClick={() => setOpen({ recordId: sale.recordId, kind: "void" })} data-testid="void">
                      {words.void}
                    </button>
                  )}
                  {Object.keys(sale.refundable).length > 0 && (
                    <button type="button" onClick={() => setOpen({ recordId: sale.recordId, kind: "refund" })} data-testid="refund">
                      {words.refund}
                    </button>
                  )}
                </span>
              ))}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** When, who sold it, to whom, what, how much, and each void or refund with its reason. */
function SaleSummary({ sale }: { sale: SaleListItem }) {
  const { words, status, language } = useTerminal();
  const currency = status.flight?.currency ?? "CNY";
  return (
    <>
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
      {sale.reversals.map((reversal, index) => (
        // Reversals have no id of their own in the list; their order never changes.
        // biome-ignore lint/suspicious/noArrayIndexKey: the list only grows at its end
        <span key={index} className="badge" data-testid="reversal">
          {reversal.kind === "void" ? words.voided : `${words.refunded} ${amount(reversal.totalMinor, currency, language)}`} ·{" "}
          {reversal.reason === undefined ? words.noReason : words.reasons[reversal.reason]}
        </span>
      ))}
    </>
  );
}
