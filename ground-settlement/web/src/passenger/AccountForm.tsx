/** Log in, or sign up (browser). */
import { type FormEvent, useState } from "react";
import { PASSWORD_LENGTH } from "../../../src/dto/password.js";
import { describeError } from "../i18n/errors.js";
import { LanguageSwitch, useI18n } from "../i18n/language.js";
import { logIn, signUp } from "./session.js";

export function AccountForm({ onDone, problem }: { onDone: () => void; problem: unknown }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<"login" | "signup">("login");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [failure, setFailure] = useState<{ error: unknown } | { text: string } | undefined>(
    problem === undefined ? undefined : { error: problem },
  );
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (mode === "signup" && password.length < PASSWORD_LENGTH.min) {
      setFailure({ text: t.account.passwordTooShort });
      return;
    }
    setBusy(true);
    try {
      if (mode === "login") await logIn(email, password);
      else await signUp(email, password, displayName);
      onDone();
    } catch (error) {
      setFailure({ error });
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="page narrow">
      <div className="corner">
        <LanguageSwitch />
      </div>
      <h1>{mode === "login" ? t.account.logInTitle : t.account.signUpTitle}</h1>
      <form onSubmit={(event) => void submit(event)} className="form" data-form={mode}>
        {mode === "signup" && (
          <label>
            {t.account.name}
            <input name="displayName" value={displayName} onChange={(e) => setDisplayName(e.target.value)} required maxLength={60} />
          </label>
        )}
        <label>
          {t.account.email}
          <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="email" />
        </label>
        <label>
          <span>
            {t.account.password} {mode === "signup" && <small>{t.account.passwordHint}</small>}
          </span>
          <input
            name="password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete={mode === "login" ? "current-password" : "new-password"}
          />
        </label>
        {failure !== undefined && (
          <p className="message" role="alert">
            {"text" in failure ? failure.text : describeError(failure.error, t)}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === "login" ? t.account.logIn : t.account.createAccount}
        </button>
      </form>
      <button
        type="button"
        className="link"
        onClick={() => {
          setMode(mode === "login" ? "signup" : "login");
          setFailure(undefined);
        }}
        data-testid="switch-mode"
      >
        {mode === "login" ? t.account.toSignUp : t.account.toLogIn}
      </button>
    </main>
  );
}
