/** Log in, or sign up (browser). */
import { type FormEvent, useState } from "react";
import { errorText } from "../api.js";
import { logIn, signUp } from "./session.js";

export function AccountForm({ onDone, problem }: { onDone: () => void; problem: string | undefined }) {
  const [mode, setMode] = useState<"login" | "signup">("login");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [message, setMessage] = useState(problem);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      if (mode === "login") await logIn(email, password);
      else await signUp(email, password, displayName);
      onDone();
    } catch (error) {
      setMessage(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="page narrow">
      <h1>{mode === "login" ? "Log in" : "Create your account"}</h1>
      <form onSubmit={(event) => void submit(event)} className="form" data-form={mode}>
        {mode === "signup" && (
          <label>
            Name as on your boarding pass
            <input name="displayName" value={displayName} onChange={(e) => setDisplayName(e.target.value)} required maxLength={60} />
          </label>
        )}
        <label>
          E-mail
          <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="email" />
        </label>
        <label>
          Password {mode === "signup" && <small>(at least 10 characters)</small>}
          <input
            name="password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete={mode === "login" ? "current-password" : "new-password"}
          />
        </label>
        {message !== undefined && (
          <p className="message" role="alert">
            {message}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === "login" ? "Log in" : "Create account"}
        </button>
      </form>
      <button type="button" className="link" onClick={() => setMode(mode === "login" ? "signup" : "login")} data-testid="switch-mode">
        {mode === "login" ? "New here? Create an account" : "I have an account: log in"}
      </button>
    </main>
  );
}
