/** First run: enrol with the ground's address and a one-time code (renderer process). */
import { type FormEvent, useState } from "react";
import { useTerminal } from "../context.js";

export function EnrolScreen() {
  const { api, words, refresh, fail } = useTerminal();
  const [groundUrl, setGroundUrl] = useState("http://127.0.0.1:3000");
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api["enrolment/enrol"]({ groundUrl: groundUrl.trim(), code: code.trim() });
      await refresh();
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="panel narrow" onSubmit={(event) => void submit(event)} data-screen="enrol">
      <h1>{words.enrolTitle}</h1>
      <p className="help">{words.enrolHelp}</p>
      <label>
        {words.groundUrl}
        <input name="groundUrl" value={groundUrl} onChange={(e) => setGroundUrl(e.target.value)} inputMode="url" autoComplete="off" />
      </label>
      <label>
        {words.enrolmentCode}
        <input name="code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" autoCapitalize="characters" />
      </label>
      <button type="submit" className="primary" disabled={busy || code.trim() === ""}>
        {words.enrol}
      </button>
    </form>
  );
}
