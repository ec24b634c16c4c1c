/** A flight's settlement status as a coloured badge, in the page's language (browser). */
import { useI18n } from "../i18n/language.js";

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return <span className={`status ${status}`}>{t.statuses[status] ?? status}</span>;
}
