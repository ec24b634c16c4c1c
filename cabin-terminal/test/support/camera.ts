/**
 * A camera for Chromium that shows QR codes: each painted into a Y4M video, which Chromium plays as
 * its webcam (--use-file-for-fake-video-capture), looping. The page then decodes it through the
 * real camera path, as it would a phone held up to the tablet, or a tablet's screen to a phone.
 */
import { writeFileSync } from "node:fs";
import { voucherQrModules } from "@cabinpay/ground-settlement/internal/services/qr";

const BLACK = 16; // video-range luma
const WHITE = 235;
const QUIET_ZONE_MODULES = 4;

/** One code, filling a 640×480 frame. */
export function voucherVideo(voucherText: string, path: string): void {
  codesVideo([voucherText], path);
}

/**
 * The codes one after another, each shown for `framesEach` frames (at 30 a second) in turn; drawn
 * as the ground draws them (the same mask pattern), as large as the frame allows.
 */
export function codesVideo(texts: readonly string[], path: string, size = { width: 640, height: 480 }, framesEach = 10): void {
  const header = Buffer.from(`YUV4MPEG2 W${size.width} H${size.height} F30:1 Ip A1:1 C420jpeg\n`);
  const frames = texts.flatMap((text) => {
    const frame = Buffer.concat([Buffer.from("FRAME\n"), lumaOf(text, size), Buffer.alloc((size.width * size.height) / 2, 128)]);
    return Array.from({ length: framesEach }, () => frame);
  });
  writeFileSync(path, Buffer.concat([header, ...frames]));
}

function lumaOf(text: string, size: { width: number; height: number }): Buffer {
  const qr = voucherQrModules(text);
  const modules = qr.size;
  const scale = Math.floor((size.height - 40) / (modules + 2 * QUIET_ZONE_MODULES));
  const sizePx = (modules + 2 * QUIET_ZONE_MODULES) * scale;
  const left = Math.floor((size.width - sizePx) / 2);
  const top = Math.floor((size.height - sizePx) / 2);
  const luma = Buffer.alloc(size.width * size.height, 128);
  for (let y = 0; y < sizePx; y++) {
    for (let x = 0; x < sizePx; x++) {
      const row = Math.floor(y / scale) - QUIET_ZONE_MODULES;
      const column = Math.floor(x / scale) - QUIET_ZONE_MODULES;
      const dark = row >= 0 && column >= 0 && row < modules && column < modules && qr.dark(row, column);
      luma[(top + y) * size.width + left + x] = dark ? BLACK : WHITE;
    }
  }
  return luma;
}
