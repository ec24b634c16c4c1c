/**
 * Load the flights: every flight and rotation leg ops assigned this terminal, from its enrolment
 * alone; or one flight by hand; or a manifest or rotation file when the gate has no network
 * (renderer process).
 */
import { type ChangeEvent, type FormEvent, useState } from "react";
import { useTerminal } from "../context.js";

export function FlightScreen() {
  const { api, words, refresh, fail } = useTerminal();
  const [flight, setFlight] = useState({ carrier: "9C", number: "", date: new Date().toISOString().slice(0, 10), trolleyId: "A" });
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof flight) => (event: ChangeEvent<HTMLInputElement>) =>
    setFlight({ ...flight, [field]: event.target.value.trim().toUpperCase() });
  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
      await refresh();
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };
  const download = (event: FormEvent) => {
    event.preventDefault();
    void run(() => api["manifest/download"]({ ...flight, date: flight.date }));
  };
  const importFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file === undefined) return;
    void run(async () => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      // A rotation file is JSON ("{"); a single manifest is binary.
      if (bytes[0] === 0x7b) {
        await api["manifest/import-rotation"]({ bundleText: new TextDecoder().decode(bytes), trolleyId: flight.trolleyId });
        return;
      }
      let binary = "";
      for (const byte of bytes) binary += String.fromCharCode(byte);
      await api["manifest/import"]({ manifestBase64: btoa(binary), trolleyId: flight.trolleyId });
    });
  };
  return (
    <form className="panel narrow" onSubmit={download} data-screen="flight">
      <h1>{words.flightTitle}</h1>
      <p className="help">{words.loadAssignedHelp}</p>
      <button
        type="button"
        className="primary"
        disabled={busy}
        onClick={() => void run(() => api["manifest/load-assigned"]({}))}
        data-testid="load-assigned"
      >
        {words.loadAssigned}
      </button>
      <h2>{words.byHand}</h2>
      <p className="help">{words.flightHelp}</p>
      <div className="row">
        <label>
          {words.carrier}
          <input name="carrier" value={flight.carrier} onChange={set("carrier")} maxLength={3} />
        </label>
        <label>
          {words.flightNumber}
          <input name="number" value={flight.number} onChange={set("number")} maxLength={5} inputMode="numeric" />
        </label>
      </div>
      <div className="row">
        <label>
          {words.date}
          <input name="date" type="date" value={flight.date} onChange={(e) => setFlight({ ...flight, date: e.target.value })} />
        </label>
        <label>
          {words.trolley}
          <input name="trolleyId" value={flight.trolleyId} onChange={set("trolleyId")} maxLength={8} />
        </label>
      </div>
      <button type="submit" disabled={busy || flight.number === ""}>
        {words.download}
      </button>
      <label className="file">
        {words.importFile}
        <input type="file" name="manifestFile" onChange={importFile} disabled={busy} />
      </label>
    </form>
  );
}
