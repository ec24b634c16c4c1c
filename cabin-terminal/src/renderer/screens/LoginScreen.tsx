/** Crew login: tap a name, enter the PIN on the pad or the keyboard (renderer process). */
import { useState } from "react";
import { useTerminal } from "../context.js";
import { useKeys } from "../use-key.js";

const PIN_LENGTH_MAX = 8;

export function LoginScreen() {
  const { api, words, status, refresh, fail, language } = useTerminal();
  const crew = status.flight?.crew ?? [];
  const [crewId, setCrewId] = useState<string | undefined>(crew.length === 1 ? crew[0]!.crewId : undefined);
  const [pin, setPin] = useState("");
  const [message, setMessage] = useState<string | undefined>();
  const press = (digit: string) => setPin((current) => (current.length < PIN_LENGTH_MAX ? current + digit : current));
  // A keyboard works as the pad: digits, Backspace, Enter to log in, Escape to clear.
  useKeys((key) => {
    if (/^[0-9]$/.test(key)) press(key);
    else if (key === "Backspace") setPin((current) => current.slice(0, -1));
    else if (key === "Escape") setPin("");
    else if (key === "Enter" && pin !== "") void login();
  });
  const login = async () => {
    if (crewId === undefined) return;
    try {
      const result = await api["crew/login"]({ crewId, pin });
      setPin("");
      if (result.ok) {
        setMessage(undefined);
        await refresh();
        return;
      }
      setMessage(
        result.reason === "wrong_pin"
          ? words.wrongPin(result.attemptsLeft)
          : result.reason === "locked"
            ? words.locked(new Date(result.lockedUntilMs).toLocaleTimeString(language === "zh" ? "zh-CN" : "en"))
            : words.unknownCrew,
      );
    } catch (error) {
      fail(error);
    }
  };
  return (
    <div className="panel login" data-screen="login">
      <h1>{words.loginTitle}</h1>
      <p className="help">{words.loginHelp}</p>
      <div className="crew-list">
        {crew.map((member) => (
          <button
            key={member.crewId}
            type="button"
            className={member.crewId === crewId ? "crew selected" : "crew"}
            onClick={() => {
              setCrewId(member.crewId);
              setMessage(undefined);
            }}
            data-crew={member.crewId}
          >
            <strong>{member.name}</strong>
            <span>{words.roles[member.role] ?? member.role}</span>
          </button>
        ))}
      </div>
      <div className="pin-display" role="status" data-testid="pin-display">
        {"●".repeat(pin.length) || words.pin}
      </div>
      {message !== undefined && (
        <p className="message warn" role="alert" data-testid="login-message">
          {message}
        </p>
      )}
      <div className="pin-pad">
        {["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((digit) => (
          <button key={digit} type="button" onClick={() => press(digit)} data-digit={digit}>
            {digit}
          </button>
        ))}
        <button type="button" onClick={() => setPin("")} className="secondary">
          {words.clear}
        </button>
        <button type="button" onClick={() => press("0")} data-digit="0">
          0
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => void login()}
          disabled={crewId === undefined || pin === ""}
          data-testid="pin-ok"
        >
          {words.signIn}
        </button>
      </div>
    </div>
  );
}
