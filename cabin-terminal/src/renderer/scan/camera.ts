/**
 * Reading a voucher QR from the camera (renderer process), with @zxing/library decoding frames of
 * the live preview. Stopped through `signal`; a scan stopped before the camera opened never
 * touches the video element, so a screen mounted twice in a row (React's StrictMode) keeps the
 * second scan's preview.
 */
import { BrowserQRCodeReader } from "@zxing/library";

/** Between two decoding attempts: fast enough to feel instant, light on the CPU. */
const SCAN_INTERVAL_MS = 150;

/** How long a code read once is ignored, so one held voucher is not charged twice. */
const SAME_CODE_QUIET_MS = 3_000;

export async function startCameraScan(video: HTMLVideoElement, onCode: (text: string) => void, signal: AbortSignal): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  if (signal.aborted) {
    for (const track of stream.getTracks()) track.stop();
    return;
  }
  const reader = new BrowserQRCodeReader(SCAN_INTERVAL_MS);
  signal.addEventListener("abort", () => reader.reset(), { once: true });
  let last: { text: string; atMs: number } | undefined;
  await reader.decodeFromStream(stream, video, (result) => {
    if (result === null || result === undefined || signal.aborted) return;
    const text = result.getText();
    const nowMs = Date.now();
    if (last !== undefined && last.text === text && nowMs - last.atMs < SAME_CODE_QUIET_MS) return;
    last = { text, atMs: nowMs };
    onCode(text);
  });
}
