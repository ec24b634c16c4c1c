/**
 * The web pages (browser): passengers, finance and operations. Which page shows follows the path;
 * the language follows the browser until the person picks one.
 */
import { AttentionPage } from "./finance/AttentionPage.js";
import { FlightPage } from "./finance/FlightPage.js";
import { FlightsPage } from "./finance/FlightsPage.js";
import { I18nProvider, LanguageSwitch, useI18n } from "./i18n/language.js";
import { OpsFlight, OpsHome } from "./ops/OpsPages.js";
import { PassengerArea } from "./passenger/PassengerArea.js";
import { Link, usePath } from "./router.js";
import { StaffArea } from "./staff/StaffArea.js";

export function App() {
  return (
    <I18nProvider>
      <Pages />
    </I18nProvider>
  );
}

function Pages() {
  const path = usePath();
  if (path.startsWith("/app/passenger")) return <PassengerArea path={path} />;
  if (path.startsWith("/app/ops")) {
    const flightId = /^\/app\/ops\/flights\/([0-9a-f-]{36})$/.exec(path)?.[1];
    return <StaffArea staffRole="ops">{flightId === undefined ? <OpsHome /> : <OpsFlight flightId={flightId} />}</StaffArea>;
  }
  if (path.startsWith("/app/finance")) {
    const flightId = /^\/app\/finance\/flights\/([0-9a-f-]{36})$/.exec(path)?.[1];
    const page =
      flightId !== undefined ? <FlightPage flightId={flightId} /> : path === "/app/finance/attention" ? <AttentionPage /> : <FlightsPage />;
    return <StaffArea staffRole="finance">{page}</StaffArea>;
  }
  return <Landing />;
}

function Landing() {
  const { t } = useI18n();
  return (
    <main className="page narrow">
      <div className="corner">
        <LanguageSwitch />
      </div>
      <h1>{t.landing.title}</h1>
      <p>{t.landing.lead}</p>
      <Link to="/app/passenger" className="button primary">
        {t.landing.passenger}
      </Link>
      <Link to="/app/finance" className="button">
        {t.landing.finance}
      </Link>
      <Link to="/app/ops" className="button">
        {t.landing.ops}
      </Link>
    </main>
  );
}
