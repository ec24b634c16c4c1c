/**
 * A voucher's receipts on the phone (browser, works offline): scan the receipt the crew's screen
 * shows after a purchase, void or refund; the phone checks it with the ground's key and keeps it;
 * the list says what was bought, from which trolley, and what the voucher has left.
 */
import type { Receipt } from "@cabinpay/shared";
import { useEffect, useMemo, useState } from "react";
import type { ReceiptCheckDto } from "../../../src/dto/receipts.js";
import { api } from "../api.js";
import { useI18n } from "../i18n/language.js";
import { loadCameraScanWhenIdle, ReceiptScanner } from "./ReceiptScanner.js";
import { checkReceipt, type ReceiptProblem } from "./receipt-check.js";
import { capLeftOf, keepReceipt, keptReceipts } from "./receipts.js";

export function Receipts({ registrationId }: { registrationId: string }) {
  const { t, language, amount, when } = useI18n();
  const [check, setCheck] = useState<ReceiptCheckDto | null | undefined>();
  const [texts, setTexts] = useState(() => keptReceipts(registrationId));
  const [scanning, setScanning] = useState(false);
  // What the last scan did, as a key: words in the language shown now, also after a switch.
  const [message, setMessage] = useState<"kept" | "already" | "full" | ReceiptProblem>();
  useEffect(() => {
    // Fetched (and kept by the service worker) while there is a connection, for flight mode.
    api<ReceiptCheckDto>("GET", `/registrations/${registrationId}/receipt-check`).then(setCheck, () => setCheck(null));
    return loadCameraScanWhenIdle();
  }, [registrationId]);
  const receipts = useMemo(() => checkedReceipts(texts, registrationId, check), [texts, registrationId, check]);
  const names = useMemo(() => new Map((check?.items ?? []).map((item) => [item.sku, item])), [check]);
  const left = capLeftOf(receipts);

  const scanned = (text: string) => {
    if (check === undefined || check === null) return;
    const checked = checkReceipt(text, registrationId, check);
    if (!checked.ok) return setMessage(checked.problem);
    const kept = keepReceipt(registrationId, text);
    setTexts(keptReceipts(registrationId));
    setMessage(kept);
    // One already kept (the same screen still in view): go on looking for the next.
    if (kept !== "already") setScanning(false);
  };
  const lineText = (receipt: Receipt) =>
    receipt.lines
      .map((line) => {
        const item = names.get(line.sku);
        return t.receipts.lineOf(line.quantity, item === undefined ? t.receipts.unnamedItem : language === "zh" ? item.nameZh : item.name);
      })
      .join(", ");

  return (
    <section className="card receipts" data-testid="receipts">
      <h2>{t.receipts.title}</h2>
      {left !== undefined && (
        <p data-testid="cap-left">
          <strong>{t.receipts.left(amount(left.minor, left.currency))}</strong> <span className="muted">{t.receipts.leftExplained}</span>
        </p>
      )}
      {check === null && <p className="message">{t.receipts.cannotCheck}</p>}
      {receipts.length === 0 && check !== null && <p className="muted">{t.receipts.none}</p>}
      <ul className="list">
        {receipts.map((receipt) => (
          <li key={receipt.recordId} data-record={receipt.recordId} data-kind={receipt.kind}>
            <p>
              <strong>
                {t.receipts.kinds[receipt.kind]} · {receipt.kind === "sale" ? "" : "−"}
                {amount(receipt.totalMinor, receipt.currency)}
              </strong>{" "}
              · {when(receipt.createdAtMs)} · {t.receipts.from(receipt.certificate.terminalName)}
            </p>
            <p className="muted">{lineText(receipt)}</p>
          </li>
        ))}
      </ul>
      {scanning ? (
        <ReceiptScanner onCode={scanned} onClose={() => setScanning(false)} />
      ) : (
        check !== null && (
          <button
            type="button"
            disabled={check === undefined}
            onClick={() => {
              setMessage(undefined);
              setScanning(true);
            }}
            data-testid="scan-receipt"
          >
            {t.receipts.scan}
          </button>
        )
      )}
      {message !== undefined && (
        <p role="status" data-testid="receipt-message">
          {message === "kept" || message === "already" || message === "full" ? t.receipts[message] : t.receipts.problems[message]}
        </p>
      )}
    </section>
  );
}

/** The kept receipts that check, newest first (one altered in storage is left out, not shown). */
function checkedReceipts(texts: readonly string[], registrationId: string, check: ReceiptCheckDto | null | undefined): Receipt[] {
  if (check === undefined || check === null) return [];
  const receipts: Receipt[] = [];
  for (const text of texts) {
    const checked = checkReceipt(text, registrationId, check);
    if (checked.ok) receipts.push(checked.receipt);
  }
  return receipts.sort((a, b) => b.createdAtMs - a.createdAtMs);
}
