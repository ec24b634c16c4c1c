/**
 * The phone's camera reading a terminal's receipt (browser): the crew's own camera loop, fetched
 * once a voucher's page has loaded and is idle (so the service worker keeps it for flight mode)
 * and started only while this is on screen.
 */
import { useEffect, useRef, useState } from "react";
import { useI18n } from "../i18n/language.js";

/** The camera code's module, fetched ahead while there is a connection: the scanner must work in the air. */
function loadCameraScan() {
  return import("@cabinpay/shared/browser");
}

/**
 * Fetches the camera code once the page has loaded and the browser is idle: it is kept for flight
 * mode, not needed to show the voucher, and at 100 kB (the QR reader) it would double the first
 * load on a gate's slow connection. Returns how to call it off.
 */
export function loadCameraScanWhenIdle(): () => void {
  // Not every browser has idle callbacks (Safari did not): then a second after load.
  const idle = window as Partial<Pick<Window, "requestIdleCallback" | "cancelIdleCallback">>;
  let cancel = () => {};
  const load = () => {
    const fetchNow = () => void loadCameraScan().catch(() => undefined);
    if (idle.requestIdleCallback !== undefined && idle.cancelIdleCallback !== undefined) {
      const handle = idle.requestIdleCallback(fetchNow, { timeout: 5_000 });
      cancel = () => idle.cancelIdleCallback?.(handle);
    } else {
      const handle = window.setTimeout(fetchNow, 1_000);
      cancel = () => window.clearTimeout(handle);
    }
  };
  if (document.readyState === "complete") load();
  else window.addEventListener("load", load, { once: true });
  return () => {
    window.removeEventListener("load", load);
    cancel();
  };
}

export function ReceiptScanner({ onCode, onClose }: { onCode: (text: string) => void; onClose: () => void }) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const latestOnCode = useRef(onCode);
  latestOnCode.current = onCode;
  const [camera, setCamera] = useState<"starting" | "on" | "off">("starting");
  useEffect(() => {
    const stop = new AbortController();
    loadCameraScan()
      .then(({ startCameraScan }) => startCameraScan(video.current!, (text) => latestOnCode.current(text), stop.signal))
      .then(
        () => setCamera("on"),
        () => setCamera("off"),
      );
    return () => stop.abort();
  }, []);
  return (
    <div className="receipt-scanner" data-testid="receipt-scanner" data-camera={camera}>
      <video ref={video} muted playsInline aria-label={t.receipts.aim} />
      <p className={camera === "off" ? "message" : "muted"} role="status">
        {camera === "off" ? t.receipts.cameraOff : t.receipts.aim}
      </p>
      <button type="button" onClick={onClose} data-testid="stop-scanning">
        {t.receipts.stop}
      </button>
    </div>
  );
}
