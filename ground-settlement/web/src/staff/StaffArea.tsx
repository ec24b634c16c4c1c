/**
 * The staff pages (browser): log in with the account ops made (`cabinpay-ground staff create`);
 * the server enforces the role on every call, the page only shows what the role may open.
 */
import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from "react";
import { errorText } from "../api.js";
import { navigate } from "../router.js";
import { currentStaff, type StaffRole, staffLogIn, staffLogOut } from "./session.js";

export function StaffArea({ staffRole: role, children }: { staffRole: StaffRole; children: ReactNode }) {
  const [signedIn, setSignedIn] = useState<StaffRole | undefined | "loading">("loading");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [message, setMessage] = useState<string | undefined>();
  const reload = useCallback(async () => {
    try {
      setSignedIn(await currentStaff());
    } catch (error) {
      setMessage(errorText(error));
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
      setMessage(undefined);
    } catch (error) {
      setMessage(errorText(error));
    }
  };
  if (signedIn === "loading") return <main className="page">…</main>;
  if (signedIn === role)
    return (
      <div className="staff">
        <header className="bar">
          <a href={`/app/${role}`} className="brand">
            CabinPay {role}
          </a>
          <button
            type="button"
            className="link"
            onClick={() =>
              void staffLogOut()
                .then(() => navigate(`/app/${role}`))
                .then(reload)
            }
          >
            Log out
          </button>
        </header>
        {children}
      </div>
    );
  return (
    <main className="page narrow">
      <h1>{role === "finance" ? "Finance" : "Operations"}: log in</h1>
      {signedIn !== undefined && <p className="message">You are logged in as {signedIn}, which may not open these pages.</p>}
      <form className="form" onSubmit={(event) => void submit(event)} data-form="staff-login">
        <label>
          E-mail
          <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="username" />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete="current-password"
          />
        </label>
        {message !== undefined && (
          <p className="message" role="alert">
            {message}
          </p>
        )}
        <button type="submit" className="primary">
          Log in
        </button>
      </form>
    </main>
  );
}
