/** After a charge: approved (name and seat to compare with the boarding pass) or declined with what to do (renderer process). */

import type { CabinApart, ChargeResult } from "../../api/results.js";
import { ReceiptCode } from "../components/ReceiptCode.js";
import { amount, useTerminal } from "../context.js";

export function ResultScreen({ result, onDone, onRetry }: { result: ChargeResult; onDone: () => void; onRetry: () => void }) {
  const { words, language, status } = useTerminal();
  if (result.ok) {
    const { receipt } = result;
    return (
      <div
        className={receipt.receiptQr === undefined ? "result approved" : "result approved has-receipt"}
        role="status"
        data-screen="approved"
      >
        <div className="result-main">
          <h1>✓ {words.approved}</h1>
          <p className="big">{amount(receipt.totalMinor, receipt.currency, language)}</p>
          {receipt.rate !== undefined && (
            <p data-testid="charged">
              {words.chargedAt(amount(receipt.chargedMinor, receipt.chargedCurrency, language), receipt.rate.text, receipt.rate.source)}
            </p>
          )}
          <p data-testid="presented">{receipt.presented === "code" ? words.paidByPhone : words.paidByPrinted}</p>
          <p>{words.checkBoardingPass}</p>
          <p className="passenger" data-testid="passenger">
            {receipt.passengerName}
            {receipt.seat === undefined ? "" : ` · ${words.seat} ${receipt.seat}`}
          </p>
          <p data-testid="remaining">
            {words.remaining}: {amount(receipt.remainingCapMinor, receipt.chargedCurrency, language)}
          </p>
          {receipt.apart !== undefined && <Apart apart={receipt.apart} currency={receipt.chargedCurrency} />}
          <button type="button" className="primary" onClick={onDone} data-testid="done">
            {words.done}
          </button>
        </div>
        {receipt.receiptQr !== undefined && (
          <figure className="receipt-qr" data-testid="receipt-qr" data-receipt={receipt.receiptQr.text}>
            <ReceiptCode text={receipt.receiptQr.text} alt={words.receiptAlt} />
            <figcaption>{words.receiptHelp}</figcaption>
          </figure>
        )}
      </div>
    );
  }
  return (
    <div className="result declined" role="alert" data-screen="declined" data-reason={result.reason}>
      <h1>✕ {words.declined}</h1>
      <p className="big" data-testid="decline-reason">
        {words.declines[result.reason]}
      </p>
      {result.remainingCapMinor !== undefined && (
        <p>
          {words.remaining}: {amount(result.remainingCapMinor, result.remainingCurrency ?? status.flight?.currency ?? "CNY", language)}
        </p>
      )}
      {result.apart !== undefined && <Apart apart={result.apart} currency={result.remainingCurrency ?? status.flight?.currency ?? "CNY"} />}
      <div className="actions">
        <button type="button" className="primary" onClick={onRetry} data-testid="retry">
          {words.tryAgain}
        </button>
        <button type="button" onClick={onDone} data-testid="done">
          {words.done}
        </button>
      </div>
    </div>
  );
}

/** Cabin sync: this trolley has not heard the others lately; under `share`, what it may still approve for this passenger. */
function Apart({ apart, currency }: { apart: CabinApart; currency: string }) {
  const { words, language } = useTerminal();
  return (
    <p className="apart" data-testid="apart" data-policy={apart.policy}>
      {apart.policy === "share" ? words.apartShare(amount(apart.allowedMinor, currency, language)) : words.apartFull}
    </p>
  );
}
