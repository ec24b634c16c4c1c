/**
 * Cabin sync with no network between trolleys (renderer process): this terminal shows its counts as
 * a loop of QR codes, or reads the other trolley's loop with the scanner (which types each code and
 * Enter, as on the pay screen). The core checks what it reads as if it came over the network.
 */
import { useEffect, useState } from "react";
import type { HandoffScan } from "../../api/results.js";
import { useTerminal } from "../context.js";
import { ReceiptCode } from "./ReceiptCode.js";

/** Long enough for a scanner to read each code, short enough that a loop of 20 takes ten seconds. */
const FRAME_MS = 500;

export function CabinHandoff() {
  const { api, words, refresh, fail } = useTerminal();
  const [frames, setFrames] = useState<readonly string[]>();
  const [shown, setShown] = useState(0);
  const [scanned, setScanned] = useState("");
  const [result, setResult] = useState<HandoffScan>();
  useEffect(() => {
    if (frames === undefined || frames.length < 2) return;
    const timer = setInterval(() => setShown((i) => (i + 1) % frames.length), FRAME_MS);
    return () => clearInterval(timer);
  }, [frames]);
  const show = async () => {
    try {
      setShown(0);
      setFrames((await api["cabin/handoff-frames"]({})).frames);
    } catch (error) {
      fail(error);
    }
  };
  const scan = async (frame: string) => {
    setScanned("");
    if (frame === "") return;
    try {
      const answer = await api["cabin/handoff-scan"]({ frame });
      setResult(answer);
      if (answer.status === "taken") await refresh();
    } catch (error) {
      fail(error);
    }
  };
  return (
    <section className="handoff" data-testid="handoff">
      <h2>{words.handoffTitle}</h2>
      <p className="help">{words.handoffHelp}</p>
      {frames === undefined ? (
        <button type="button" onClick={() => void show()} data-testid="handoff-show">
          {words.handoffShow}
        </button>
      ) : (
        <figure className="handoff-code" data-testid="handoff-code" data-frame={frames[shown]}>
          <ReceiptCode text={frames[shown]!} alt={words.handoffAlt} />
          <figcaption>{words.handoffPart(shown + 1, frames.length)}</figcaption>
          <button type="button" onClick={() => setFrames(undefined)} data-testid="handoff-hide">
            {words.handoffHide}
          </button>
        </figure>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void scan(scanned);
        }}
      >
        <label>
          {words.handoffScan}
          <input name="handoff" value={scanned} onChange={(event) => setScanned(event.target.value)} autoComplete="off" />
        </label>
      </form>
      {result !== undefined && (
        <p role="status" data-testid="handoff-result" data-status={result.status}>
          {result.status === "partial"
            ? words.handoffProgress(result.have, result.of)
            : result.status === "taken"
              ? words.handoffTaken(result.names.join(", "))
              : words.handoffInvalid}
        </p>
      )}
    </section>
  );
}
