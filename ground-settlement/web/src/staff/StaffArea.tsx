/**
 * The staff pages (browser): log in with the account ops made (`cabinpay-ground staff create`);
 * the server enforces the role on every call, the page only shows what the role may open.
 */
import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from "react";
import { TopBar } from "../components/TopBar.js";
import { describeError } from "../i18n/errors.js";
import { LanguageSwitch, useI18n } from "../i18n/language.js";
import { navigate } from "../router.js";
import { currentStaff, type StaffRole, staffLogIn, staffLogOut } from "./session.js";

export function StaffArea({ staffRole: role, children }: { staffRole: StaffRole; children: ReactNode }) {
  const { t } = useI18n();
  const [signedIn, setSignedIn] = useState<StaffRole | undefined | "loading">("loading");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<unknown>();
  const reload = useCallback(async () => {
    try {
      setSignedIn(await currentStaff());
    } catch (error) {
      setProblem(error);
      setSignedIn(undefined);
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      setSignedIn(await staffLogIn(email, password));
      setProblem(undefined);
    } catch (error) {
      setProblem(error);
    }
  };
  const roleName = role === "finance" ? t.staff.roleFinance : t.staff.roleOps;
  if (signedIn === "loading") return <main className="page">{t.loading}</main>;
  if (signedIn === role)
    return (
      <div className="staff">
        <TopBar
          home={`/app/${role}`}
          title={`CabinPay · ${roleName}`}
          onLogOut={() =>
            void staffLogOut()
              .then(() => navigate(`/app/${role}`))
              .then(reload)
          }
        />
        {children}
      </div>
    );
  return (
    <main className="page narrow">
      <div className="corner">
        <LanguageSwitch />
      </div>
      <h1>{t.staff.logInTitle(roleName)}</h1>
      {signedIn !== undefined && <p className="message">{t.staff.wrongRole}</p>}
      <form className="form" onSubmit={(event) => void submit(event)} data-form="staff-login">
        <label>
          {t.account.email}
          <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="username" />
        </label>
        <label>
          {t.account.password}
          <input
            name="password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete="current-password"
          />
        </label>
        {problem !== undefined && (
          <p className="message" role="alert">
            {describeError(problem, t)}
          </p>
        )}
        <button type="submit" className="primary">
          {t.account.logIn}
        </button>
      </form>
    </main>
  );
}
