/** The passenger's pages (browser): log in or sign up, then wallet, vouchers, registration, statement. */
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { TopBar } from "../components/TopBar.js";
import { endFirstPaint } from "../first-paint.js";
import { useI18n } from "../i18n/language.js";
import { navigate } from "../router.js";
import { AccountForm } from "./AccountForm.js";
import { Home } from "./Home.js";
import { currentPassenger, logOut, type Me } from "./session.js";
import { VoucherPage } from "./VoucherPage.js";

// Registering and the statement need the ground anyway: fetched when opened, not on the first load.
const RegisterPage = lazy(() => import("./RegisterPage.js").then((m) => ({ default: m.RegisterPage })));
const StatementPage = lazy(() => import("./StatementPage.js").then((m) => ({ default: m.StatementPage })));

export function PassengerArea({ path }: { path: string }) {
  const { t } = useI18n();
  const [me, setMe] = useState<Me | undefined | "loading">("loading");
  const [problem, setProblem] = useState<unknown>();
  const reload = useCallback(async () => {
    try {
      setMe(await currentPassenger());
    } catch (error) {
      setProblem(error);
      setMe(undefined);
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);

  const voucher = /^\/app\/passenger\/vouchers\/([0-9a-f-]{36})$/.exec(path)?.[1];
  // Only a voucher's own page takes over the server's drawing of it (VoucherPage).
  useEffect(() => {
    if (me === undefined || voucher === undefined) endFirstPaint();
  }, [me, voucher]);
  if (me === "loading") return <main className="page">{t.loading}</main>;
  if (me === undefined) return <AccountForm onDone={() => void reload()} problem={problem} />;
  return (
    <div className="passenger">
      <TopBar
        home="/app/passenger"
        title={t.appName}
        who={me.displayName}
        onLogOut={() =>
          void logOut()
            .then(() => navigate("/app/passenger"))
            .then(reload)
        }
      />
      <Suspense fallback={<p className="muted">{t.loading}</p>}>
        {voucher !== undefined ? (
          <VoucherPage registrationId={voucher} />
        ) : path === "/app/passenger/register" ? (
          <RegisterPage me={me} onRegistered={reload} />
        ) : path === "/app/passenger/statement" ? (
          <StatementPage />
        ) : (
          <Home me={me} onChange={() => void reload()} />
        )}
      </Suspense>
    </div>
  );
}
