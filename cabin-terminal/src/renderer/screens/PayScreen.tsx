/**
 * Pay (renderer process): the live camera preview decoding QR codes, a hardware scanner typing
 * the code, or the code typed by hand as a last resort. The first code read is charged.
 */

import { startCameraScan } from "@cabinpay/shared/browser";
import { type FormEvent, useEffect, useRef, useState } from "react";
import type { ChargeResult } from "../../api/results.js";
import { amount, useTerminal } from "../context.js";
import { listenForScanner } from "../scan/keyboard-scanner.js";
import { useKeys } from "../use-key.js";

export function PayScreen({
  totalMinor,
  onResult,
  onCancel,
}: {
  totalMinor: number;
  onResult: (result: ChargeResult) => void;
  onCancel: () => void;
}) {
  const { api, words, status, language, fail } = useTerminal();
  const video = useRef<HTMLVideoElement>(null);
  const [camera, setCamera] = useState<"starting" | "on" | "off">("starting");
  const [typed, setTyped] = useState("");
  const charging = useRef(false);

  // Escape leaves the pay screen from anywhere, the code field too.
  useKeys(
    (key) => {
      if (key === "Escape") onCancel();
    },
    { inFields: true },
  );
  const charge = async (voucherText: string) => {
    if (charging.current) return; // one voucher, one charge
    charging.current = true;
    try {
      onResult(await api["sale/charge"]({ voucherText: voucherText.trim() }));
    } catch (error) {
      charging.current = false;
      fail(error);
    }
  };

  // The camera and scanner start once per pay screen and always charge through the latest `charge`.
  const chargeLatest = useRef(charge);
  chargeLatest.current = charge;
  useEffect(() => {
    const charge = (text: string) => chargeLatest.current(text);
    const stop = new AbortController();
    if (video.current !== null && navigator.mediaDevices !== undefined) {
      startCameraScan(video.current, (text) => void charge(text), stop.signal)
        .then(() => {
          if (!stop.signal.aborted) setCamera("on");
        })
        .catch(() => {
          if (!stop.signal.aborted) setCamera("off");
        });
    } else setCamera("off");
    const stopScanner = listenForScanner((text) => void charge(text));
    return () => {
      stop.abort();
      stopScanner();
    };
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (typed.trim() !== "") void charge(typed);
  };
  return (
    <div className="pay" data-screen="pay" data-camera={camera}>
      <h1>{words.payTitle}</h1>
      <p className="big">{amount(totalMinor, status.flight?.currency ?? "CNY", language)}</p>
      <div className="camera">
        <video ref={video} muted playsInline data-testid="camera" />
        {camera === "off" && <p className="help">{words.cameraOff}</p>}
      </div>
      <p className="help">{words.payHelp}</p>
      <form onSubmit={submit} className="typed">
        <input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder={words.typeCode}
          aria-label={words.typeCode}
          autoComplete="off"
          data-testid="typed-code"
        />
        <button type="submit">{words.submit}</button>
      </form>
      <button type="button" className="secondary" onClick={onCancel} data-testid="cancel-pay">
        {words.cancel}
      </button>
    </div>
  );
}
