/** Finance: everything that needs a person, across every flight, newest first (browser). */
import { useI18n } from "../i18n/language.js";
import { Link } from "../router.js";
import { AttentionQueue } from "./AttentionQueue.js";
import { ReceiptReports } from "./ReceiptReports.js";

export function AttentionPage() {
  const { t } = useI18n();
  return (
    <main className="page" data-page="finance-attention">
      <p>
        <Link to="/app/finance">{t.finance.backToFlights}</Link>
      </p>
      <h1>{t.attention.pageTitle}</h1>
      <AttentionQueue onChange={() => undefined} />
      <ReceiptReports onChange={() => undefined} />
    </main>
  );
}
