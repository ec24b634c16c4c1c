/**
 * Reading a QR code from the camera (browser: the crew UI reads vouchers and phones' live codes,
 * the passenger app reads the terminal's receipts): the live preview in a <video>, and
 * @zxing/library decoding a frame of it every SCAN_INTERVAL_MS. The loop is ours, not zxing's:
 * zxing's stops for good on any error other than "no code here" (a frame read before the video has
 * a size, say), and a crew member would be left with a frozen scanner. Stopped through `signal`; a
 * scan stopped before the camera opened never touches the video, so a screen mounted twice in a
 * row (React's StrictMode) keeps the second scan's preview.
 */
import { BinaryBitmap, BrowserQRCodeReader, HTMLCanvasElementLuminanceSource, HybridBinarizer, type Result } from "@zxing/library";

/** Between two decoding attempts: fast enough to feel instant, light on the CPU. */
const SCAN_INTERVAL_MS = 150;

/** How long a code read once is ignored, so one held voucher is not charged twice. */
const SAME_CODE_QUIET_MS = 3_000;

export async function startCameraScan(video: HTMLVideoElement, onCode: (text: string) => void, signal: AbortSignal): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  const stopTracks = () => {
    for (const track of stream.getTracks()) track.stop();
  };
  if (signal.aborted) return stopTracks();
  video.srcObject = stream;
  signal.addEventListener(
    "abort",
    () => {
      stopTracks();
      video.srcObject = null;
    },
    { once: true },
  );
  await video.play();

  const reader = new BrowserQRCodeReader();
  const frame = document.createElement("canvas");
  let last: { text: string; atMs: number } | undefined;
  let attempts = 0;
  const attempt = () => {
    if (signal.aborted) return;
    // Wait until the video has its size: a frame drawn before is empty.
    if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0) {
      try {
        // Every other frame at half size: zxing finds some codes only when a module takes fewer
        // pixels (a voucher held close to the camera).
        const text = decodeAtScale(reader, video, frame, attempts++ % 2 === 0 ? 1 : 0.5).getText();
        const nowMs = Date.now();
        if (last === undefined || last.text !== text || nowMs - last.atMs >= SAME_CODE_QUIET_MS) {
          last = { text, atMs: nowMs };
          onCode(text);
        }
      } catch {
        // No code in this frame (or an unreadable one): try the next.
      }
    }
    setTimeout(attempt, SCAN_INTERVAL_MS);
  };
  attempt();
}

/**
 * One frame, drawn by us at `scale` and decoded as it is. Not `reader.decode(video)`: for a video,
 * zxing reads every second call's frame with its colours inverted (for white-on-black codes, which
 * no voucher or phone code is; measured: 10 of 20 calls on a still code failed, alternately). With
 * half-size frames in between, a phone's live code (version 12, too fine at half size) was not
 * read in 30 s in the crew UI test; drawn by us, every full-size frame reads it.
 */
function decodeAtScale(reader: BrowserQRCodeReader, video: HTMLVideoElement, canvas: HTMLCanvasElement, scale: number): Result {
  canvas.width = Math.max(1, Math.floor(video.videoWidth * scale));
  canvas.height = Math.max(1, Math.floor(video.videoHeight * scale));
  canvas.getContext("2d", { willReadFrequently: true })!.drawImage(video, 0, 0, canvas.width, canvas.height);
  return reader.decodeBitmap(new BinaryBitmap(new HybridBinarizer(new HTMLCanvasElementLuminanceSource(canvas))));
}
