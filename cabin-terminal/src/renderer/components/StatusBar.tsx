/** Always on top: flight, crew, unsent records, online or offline, language, log out (renderer process). */
import { useEffect, useState } from "react";
import { flightName, useTerminal } from "../context.js";

export function StatusBar({ onLanguage }: { onLanguage: () => void }) {
  const { api, words, status, language, refresh, fail } = useTerminal();
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  const logout = async () => {
    try {
      await api["crew/logout"]({});
      await refresh();
    } catch (error) {
      fail(error);
    }
  };
  return (
    <>
      {status.chainProblem !== undefined && (
        <div role="alert" className="chain-broken" data-testid="chain-broken">
          {words.chainBroken}
        </div>
      )}
      <header className="status-bar" data-testid="status-bar">
        <strong className="brand">{words.appName}</strong>
        <span data-testid="status-flight">
          {status.flight === undefined
            ? "—"
            : `${flightName(status.flight.flightKey, language)} · ${words.trolley} ${status.flight.trolleyId}`}
          {status.flight?.rotation === undefined
            ? ""
            : ` · ${words.leg(status.flight.rotation.legNumber, status.flight.rotation.legCount)}`}
          {status.flight?.serviceClosed === true ? ` · ${words.serviceClosed}` : ""}
        </span>
        <span data-testid="status-crew">
          {status.crew === undefined ? words.notLoggedIn : `${status.crew.name} (${words.roles[status.crew.role] ?? status.crew.role})`}
        </span>
        <span data-testid="status-unsent" className={status.unsentRecords > 0 ? "badge warn" : "badge"}>
          {words.unsent(status.unsentRecords)}
          {/* Legs of a rotation not uploaded yet: which, so crew know what the next upload sends. */}
          {status.unsentByFlight.length > 1 &&
            ` (${status.unsentByFlight.map((f) => `${f.flightKey.split("/")[0]}: ${f.records}`).join(", ")})`}
        </span>
        <span className={online ? "badge ok" : "badge"}>{online ? words.online : words.offline}</span>
        <span className="spacer" />
        <button type="button" className="small" onClick={onLanguage} data-testid="language">
          {words.language}
        </button>
        {status.crew !== undefined && (
          <button type="button" className="small" onClick={() => void logout()} data-testid="logout">
            {words.logout}
          </button>
        )}
      </header>
    </>
  );
}
