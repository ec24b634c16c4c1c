/** After landing: upload with a progress bar and the ground's answer per record (renderer process). */
import { useEffect, useState } from "react";
import type { TerminalBridge } from "../../api/contract.js";
import type { RecordOutcomeItem, UploadSummary } from "../../api/results.js";
import { CabinHandoff } from "../components/CabinHandoff.js";
import { amount, useTerminal } from "../context.js";

export function SyncScreen({ bridge }: { bridge: TerminalBridge }) {
  const { api, words, status, language, refresh, fail } = useTerminal();
  const currency = status.flight?.currency ?? "CNY";
  /** The ground's answer ("accepted", "duplicate", "rejected:<reason>") in words. */
  const outcomeText = (outcome: string | null) => {
    if (outcome === null) return words.notSent;
    const [kind, reason] = outcome.split(":");
    if (kind !== "rejected") return words.outcomes[kind!] ?? outcome;
    return `${words.outcomes["rejected"]}: ${words.rejections[reason ?? ""] ?? words.rejectedOther}`;
  };
  const [progress, setProgress] = useState<{ sent: number; total: number } | undefined>();
  const [summary, setSummary] = useState<UploadSummary | undefined>();
  const [outcomes, setOutcomes] = useState<RecordOutcomeItem[]>([]);
  const [busy, setBusy] = useState(false);
  useEffect(
    () =>
      bridge.onEvent((event) => {
        if (event.type === "sync/progress") setProgress({ sent: event.sentRecords, total: event.totalRecords });
      }),
    [bridge],
  );
  const upload = async () => {
    setBusy(true);
    setSummary(undefined);
    setProgress(undefined);
    try {
      setSummary(await api["sync/upload"]({}));
      setOutcomes(await api["sync/records"]({}));
      await refresh();
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };
  const percent = progress === undefined || progress.total === 0 ? 0 : Math.round((100 * progress.sent) / progress.total);
  return (
    <div className="panel narrow" data-screen="sync">
      <h1>{words.syncTitle}</h1>
      <p className="help">{words.syncHelp}</p>
      <p data-testid="unsent">{words.unsent(status.unsentRecords)}</p>
      <progress max={100} value={percent} data-testid="sync-progress" />
      {progress !== undefined && <p data-testid="sync-progress-text">{words.uploading(progress.sent, progress.total)}</p>}
      {summary !== undefined && (
        <div data-testid="sync-summary">
          <p>{words.uploaded(summary.accepted, summary.duplicate)}</p>
          {summary.rejected.length > 0 && (
            <>
              <h2>{words.rejectedRecords}</h2>
              <ul>
                {summary.rejected.map((record) => (
                  <li key={`${record.flightKey}-${record.sequence}`}>
                    #{record.sequence}: {words.rejections[record.reason] ?? words.rejectedOther}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      {outcomes.length > 0 && (
        <table data-testid="record-outcomes">
          <tbody>
            {outcomes.map((record) => (
              <tr key={record.recordId} className={record.uploadOutcome?.startsWith("rejected") === true ? "warn" : ""}>
                <td>#{record.sequence}</td>
                <td>{words.recordKinds[record.kind] ?? record.kind}</td>
                <td className="number">{record.kind === "close" ? "" : amount(record.totalMinor, currency, language)}</td>
                <td>{outcomeText(record.uploadOutcome)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" className="primary" onClick={() => void upload()} disabled={busy} data-testid="upload">
        {words.upload}
      </button>
      {status.cabin !== undefined && <CabinHandoff />}
    </div>
  );
}
