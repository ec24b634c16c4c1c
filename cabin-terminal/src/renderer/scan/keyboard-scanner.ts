/**
 * Hardware scanners type the code like a keyboard, fast, and end with Enter (renderer process).
 * Keystrokes arriving this quickly, outside any text field, are collected as one scan.
 */
const KEY_GAP_MS_MAX = 60;
const SCAN_CHARS_MAX = 600;

export function listenForScanner(onCode: (text: string) => void): () => void {
  let buffer = "";
  let lastKeyAtMs = 0;
  const onKey = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement | null;
    if (target !== null && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return; // typed entry has its own field
    const nowMs = performance.now();
    if (nowMs - lastKeyAtMs > KEY_GAP_MS_MAX) buffer = "";
    lastKeyAtMs = nowMs;
    if (event.key === "Enter") {
      if (buffer.length > 0) onCode(buffer);
      buffer = "";
      event.preventDefault();
    } else if (event.key.length === 1 && buffer.length < SCAN_CHARS_MAX) {
      buffer += event.key;
    }
  };
  window.addEventListener("keydown", onKey);
  return () => window.removeEventListener("keydown", onKey);
}
