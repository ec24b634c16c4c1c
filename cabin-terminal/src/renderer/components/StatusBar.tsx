/** Always on top: flight, crew, unsent records, online or offline, the other trolleys heard, language, log out (renderer process). */
import { useEffect, useState } from "react";
import type { TerminalStatus } from "../../api/contract.js";
import { flightName, useTerminal } from "../context.js";
import type { Words } from "../i18n.js";

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
  const quietPeers = status.cabin?.peers.filter((peer) => peer.quiet) ?? [];
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
      {quietPeers.length > 0 && (
        <div role="status" className="cabin-quiet" data-testid="cabin-quiet">
          {words.cabinQuietHelp(quietPeers.map((peer) => peerLabel(peer, words)).join(", "))}
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
        {status.cabin !== undefined && <CabinBadges cabin={status.cabin} />}
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

type Cabin = NonNullable<TerminalStatus["cabin"]>;

/** A peer in words: its certified name once heard, else the trolley the manifest gave it. */
function peerLabel(peer: Cabin["peers"][number], words: Words): string {
  return peer.name ?? (peer.trolleyId === undefined ? "?" : words.cabinTrolley(peer.trolleyId));
}

/** Cabin sync: each other trolley and when it was last heard; one quiet too long is a warning that says what it means. */
function CabinBadges({ cabin }: { cabin: Cabin }) {
  const { words } = useTerminal();
  const share = cabin.policy === "share" && !cabin.inTouch && (
    <span className="badge warn" data-testid="cabin-share">
      {words.cabinShare}
    </span>
  );
  if (cabin.peers.length === 0)
    return (
      <>
        <span className="badge warn" data-testid="cabin-sync">
          {words.cabinNone}
        </span>
        {share}
      </>
    );
  return (
    <>
      {cabin.peers.map((peer) => (
        <span
          key={peerLabel(peer, words)}
          className={peer.quiet ? "badge warn" : "badge ok"}
          data-testid="cabin-sync"
          data-quiet={peer.quiet}
        >
          {peer.heardAgoMs === undefined
            ? words.cabinNotHeard(peerLabel(peer, words))
            : words.cabinHeard(peerLabel(peer, words), Math.floor(peer.heardAgoMs / 60_000))}
        </span>
      ))}
      {share}
    </>
  );
}
