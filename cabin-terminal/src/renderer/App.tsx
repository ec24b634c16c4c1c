/**
 * The crew UI (renderer process): which screen shows follows from the terminal's status: not
 * enrolled → enrol; no flight → load one; nobody logged in → PIN pad; else the selling tabs.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import type { TerminalBridge, TerminalStatus } from "../api/contract.js";
import { StatusBar } from "./components/StatusBar.js";
import { errorText, type Terminal, TerminalContext } from "./context.js";
import { type Language, WORDS } from "./i18n.js";
import { EnrolScreen } from "./screens/EnrolScreen.js";
import { FlightScreen } from "./screens/FlightScreen.js";
import { LoginScreen } from "./screens/LoginScreen.js";
import { ReportScreen } from "./screens/ReportScreen.js";
import { SalesScreen } from "./screens/SalesScreen.js";
import { SellScreen } from "./screens/SellScreen.js";
import { SyncScreen } from "./screens/SyncScreen.js";

type Tab = "sell" | "sales" | "report" | "sync";

export function App({ bridge }: { bridge: TerminalBridge }) {
  const [status, setStatus] = useState<TerminalStatus | undefined>();
  const [language, setLanguage] = useState<Language>(() => (navigator.language.startsWith("zh") ? "zh" : "en"));
  // The failure itself: said in the language shown when it is shown, so a switch translates it too.
  const [problem, setProblem] = useState<unknown>();
  const [tab, setTab] = useState<Tab>("sell");

  const refresh = useCallback(async () => {
    try {
      setStatus(await bridge.api["status/get"]({}));
    } catch (error) {
      setProblem(error);
    }
  }, [bridge]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  // A change made outside this page (the demo's scripted sale or landing) shows at once.
  useEffect(
    () =>
      bridge.onEvent((event) => {
        if (event.type === "status/changed") void refresh();
      }),
    [bridge, refresh],
  );
  // A problem belongs to the screen it happened on: moving on (enrolled, a flight loaded, crew in or out) clears it.
  const place = `${status?.enrolled}|${status?.flight?.flightKey}|${status?.crew?.crewId}`;
  const [problemPlace, setProblemPlace] = useState(place);
  if (problemPlace !== place) {
    setProblemPlace(place);
    setProblem(undefined);
  }
  useEffect(() => {
    document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  }, [language]);

  const terminal = useMemo<Terminal | undefined>(
    () =>
      status === undefined
        ? undefined
        : { api: bridge.api, words: WORDS[language], language, status, refresh, fail: (error) => setProblem(error) },
    [bridge, language, status, refresh],
  );
  if (terminal === undefined) return <main className="loading">{problem === undefined ? "…" : errorText(problem, WORDS[language])}</main>;
  const words = terminal.words;

  let screen: React.ReactNode;
  if (!status!.enrolled) screen = <EnrolScreen />;
  else if (status!.flight === undefined) screen = <FlightScreen />;
  else if (status!.crew === undefined) screen = <LoginScreen />;
  else
    screen = (
      <>
        <nav className="tabs" aria-label="sections">
          {(["sell", "sales", "report", "sync"] as const).map((name) => (
            <button key={name} type="button" className={tab === name ? "tab active" : "tab"} onClick={() => setTab(name)} data-tab={name}>
              {words[name]}
            </button>
          ))}
        </nav>
        {tab === "sell" && <SellScreen />}
        {tab === "sales" && <SalesScreen />}
        {tab === "report" && <ReportScreen />}
        {tab === "sync" && <SyncScreen bridge={bridge} />}
      </>
    );

  return (
    <TerminalContext.Provider value={terminal}>
      <div className="app">
        <StatusBar onLanguage={() => setLanguage(language === "en" ? "zh" : "en")} />
        {problem !== undefined && (
          <div className="problem" role="alert">
            <span>{errorText(problem, words)}</span>
            <button type="button" onClick={() => setProblem(undefined)}>
              ×
            </button>
          </div>
        )}
        <main className="screen">{screen}</main>
      </div>
    </TerminalContext.Provider>
  );
}
