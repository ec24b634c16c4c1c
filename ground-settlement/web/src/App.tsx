/**
 * The web pages (browser): passengers, finance and operations. Which page shows follows the path;
 * the language follows the browser until the person picks one.
 */
import { lazy, Suspense } from "react";
import { I18nProvider, LanguageSwitch, useI18n } from "./i18n/language.js";
import { PassengerArea } from "./passenger/PassengerArea.js";
import { Link, usePath } from "./router.js";

/** Ops and finance in a chunk of their own: the passenger's first load carries none of it. */
const StaffPages = lazy(() => import("./staff/StaffPages.js"));

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
  if (path.startsWith("/app/ops") || path.startsWith("/app/finance"))
    return (
      <Suspense fallback={<Loading />}>
        <StaffPages path={path} />
      </Suspense>
    );
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

function Loading() {
  const { t } = useI18n();
  return (
    <main className="page narrow" aria-busy="true">
      <p className="muted">{t.loading}</p>
    </main>
  );
}
