/**
 * The passenger as witness (browser): once the flight's records reach the ground, the receipts this
 * phone kept for a voucher are compared with its statement (`witness-match.ts`); each one missing from it is sent to the
 * ground as signed evidence (`POST /me/receipts`, idempotent: sent again on every visit, so its
 * status stays current), and the page says what the airline holds of it.
 */
import type { Receipt } from "@cabinpay/shared";
import { useEffect, useState } from "react";
import type { ReceiptCheckDto, ReportAnswerDto } from "../../../src/dto/receipts.js";
import type { StatementDto } from "../../../src/dto/statement.js";
import { api } from "../api.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";
import { checkReceipt } from "./receipt-check.js";
import { keptReceipts } from "./receipts.js";
import { notOnStatement } from "./witness-match.js";

type StatementRegistration = StatementDto["registrations"][number];
type Compared = { receipt: Receipt; answer?: ReportAnswerDto; problem?: unknown };

export function Witness({ registration }: { registration: StatementRegistration }) {
  const { t, amount, when } = useI18n();
  const [texts] = useState(() => keptReceipts(registration.registrationId));
  const [unmatched, setUnmatched] = useState<Compared[] | undefined>();
  const [problem, setProblem] = useState<unknown>();
  const landed = registration.flightLandedAtMs !== null;
  useEffect(() => {
    if (texts.length === 0 || !landed) return;
    compare(registration, texts).then(setUnmatched, setProblem);
  }, [registration, texts, landed]);
  if (texts.length === 0) return null;
  return (
    <div className="witness" data-testid="witness">
      <h3>{t.witness.title}</h3>
      {!landed && <p className="muted">{t.witness.notLanded}</p>}
      {landed && unmatched === undefined && problem === undefined && <p className="muted">{t.witness.sending}</p>}
      {problem !== undefined && <p className="message">{describeError(problem, t)}</p>}
      {unmatched?.length === 0 && <p data-testid="receipts-matched">{t.witness.allMatched(texts.length)}</p>}
      <ul className="list">
        {unmatched?.map(({ receipt, answer, problem: failed }) => (
          <li key={receipt.recordId} data-record={receipt.recordId} data-match={answer?.match ?? "error"}>
            <p>
              <strong>
                {t.receipts.kinds[receipt.kind]} · {amount(receipt.totalMinor, receipt.currency)}
              </strong>{" "}
              · {when(receipt.createdAtMs)} · {t.receipts.from(receipt.certificate.terminalName)}
            </p>
            <p className={answer?.match === "received" ? "muted" : "message"}>
              {answer === undefined ? describeError(failed, t) : t.witness.matches[answer.match]}
            </p>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The kept receipts that are not on the statement, each as the ground answered when sent. */
async function compare(registration: StatementRegistration, texts: readonly string[]): Promise<Compared[]> {
  const check = await api<ReceiptCheckDto>("GET", `/registrations/${registration.registrationId}/receipt-check`);
  const valid: { text: string; receipt: Receipt }[] = [];
  for (const text of texts) {
    const checked = checkReceipt(text, registration.registrationId, check);
    if (checked.ok) valid.push({ text, receipt: checked.receipt });
  }
  const missing = notOnStatement(registration.purchases, valid);
  return Promise.all(
    missing.map(async ({ text, receipt }) => {
      try {
        return { receipt, answer: await api<ReportAnswerDto>("POST", "/me/receipts", { receipt: text }) };
      } catch (error) {
        return { receipt, problem: error };
      }
    }),
  );
}
