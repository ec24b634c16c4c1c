/**
 * Hardware scanners type the code like a keyboard and end with Enter (renderer process). Keys
 * typed outside any text field are collected; on Enter, what was collected is taken as a scan
 * when it is a CabinPay code ("CP2:…", a voucher of any version, or "CPC1:…", a phone's rotating code). The prefix, not typing speed, tells a scan from stray
 * keys: a busy tablet can space a scanner's keystrokes as far apart as a person's.
 */
/** "CP" and a format version, then ":" (every voucher's text), or "CPC1:" (a phone's rotating code). */
const CODE_PREFIX = /CPC?\d{1,3}:/g;
const SCAN_CHARS_MAX = 600;
/** Keys older than this before the next one are dropped: a half-typed code is not kept for ever. */
const STALE_AFTER_MS = 3_000;

export function listenForScanner(onCode: (text: string) => void): () => void {
  let buffer = "";
  let lastKeyAtMs = 0;
  const onKey = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement | null;
    if (target !== null && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return; // typed entry has its own field
    const nowMs = performance.now();
    if (nowMs - lastKeyAtMs > STALE_AFTER_MS) buffer = "";
    lastKeyAtMs = nowMs;
    if (event.key === "Enter") {
      const start = [...buffer.matchAll(CODE_PREFIX)].at(-1)?.index ?? -1;
      if (start >= 0) {
        onCode(buffer.slice(start));
        event.preventDefault();
      }
      buffer = "";
    } else if (event.key.length === 1 && buffer.length < SCAN_CHARS_MAX) {
      buffer += event.key;
    }
  };
  window.addEventListener("keydown", onKey);
  return () => window.removeEventListener("keydown", onKey);
}
