/**
 * Finance: receipts passengers sent back for records the ground lacks or holds different (browser),
 * on one flight or across all. Each says who, which trolley, what and when; it leaves by itself
 * when the record arrives, or finance closes it with what it found.
 */
import { useCallback, useEffect, useState } from "react";
import type { ReceiptReportDto } from "../../../src/dto/receipts.js";
import { api } from "../api.js";
import { NoteForm } from "../components/NoteForm.js";
import { describeError } from "../i18n/errors.js";
import { useI18n } from "../i18n/language.js";
import { FlightPrefix } from "./FlightPrefix.js";

export function ReceiptReports({ flightId, onChange }: { flightId?: string; onChange: () => void }) {
  const { t, amount, when } = useI18n();
  const [reports, setReports] = useState<ReceiptReportDto[]>([]);
  const [problem, setProblem] = useState<unknown>();
  const load = useCallback(async () => {
    try {
      const query = flightId === undefined ? "" : `?flightId=${flightId}`;
      setReports((await api<{ reports: ReceiptReportDto[] }>("GET", `/finance/receipt-reports${query}`)).reports);
    } catch (error) {
      setProblem(error);
    }
  }, [flightId]);
  useEffect(() => {
    void load();
  }, [load]);
  const close = async (recordId: string, note: string) => {
    try {
      await api("POST", `/finance/receipt-reports/${recordId}/close`, { note });
      setProblem(undefined);
      await load();
      onChange();
    } catch (error) {
      setProblem(error);
    }
  };
  if (reports.length === 0 && problem === undefined) return null;
  return (
    <section className="card" data-testid="receipt-reports">
      <h2>{t.receiptReports.title}</h2>
      <p className="muted">{t.receiptReports.explained}</p>
      {problem !== undefined && (
        <p className="message" role="alert">
          {describeError(problem, t)}
        </p>
      )}
      <ul className="list">
        {reports.map((report) => (
          <li key={report.recordId} className="attention-item" data-record={report.recordId} data-match={report.match}>
            <p>
              <FlightPrefix shown={flightId === undefined} flight={report} />
              <strong>{t.receiptReports.matches[report.match]}</strong> · {report.passengerName}
              {report.seat === null ? "" : `, ${t.attention.seat(report.seat)}`} · {t.receipts.kinds[report.kind]}{" "}
              {amount(report.totalMinor, report.currency)}
            </p>
            <p className="muted">{t.receiptReports.where(report.terminalName, when(report.createdAtMs), when(report.reportedAtMs))}</p>
            <NoteForm
              label={t.receiptReports.closeNote}
              button={t.receiptReports.close}
              testId="close-report"
              onSubmit={(note) => close(report.recordId, note)}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}
