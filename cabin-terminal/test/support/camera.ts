/**
 * A camera for Chromium that shows a voucher: its QR code painted into a Y4M video, which Chromium
 * plays as its webcam (--use-file-for-fake-video-capture). The crew UI then decodes it through the
 * real camera path, as it would a phone held up to the tablet.
 */
import { writeFileSync } from "node:fs";
import { voucherQrModules } from "@cabinpay/ground-settlement/internal/services/qr";

const WIDTH = 640;
const HEIGHT = 480;
const FRAMES = 10;
const BLACK = 16; // video-range luma
const WHITE = 235;

export function voucherVideo(voucherText: string, path: string): void {
  // Drawn exactly as the ground draws it for the passenger (the same mask pattern).
  const qr = voucherQrModules(voucherText);
  const modules = qr.size;
  const quietZone = 4;
  const scale = Math.floor((HEIGHT - 40) / (modules + 2 * quietZone));
  const sizePx = (modules + 2 * quietZone) * scale;
  const left = Math.floor((WIDTH - sizePx) / 2);
  const top = Math.floor((HEIGHT - sizePx) / 2);
  const luma = Buffer.alloc(WIDTH * HEIGHT, 128);
  for (let y = 0; y < sizePx; y++) {
    for (let x = 0; x < sizePx; x++) {
      const row = Math.floor(y / scale) - quietZone;
      const column = Math.floor(x / scale) - quietZone;
      const dark = row >= 0 && column >= 0 && row < modules && column < modules && qr.dark(row, column);
      luma[(top + y) * WIDTH + left + x] = dark ? BLACK : WHITE;
    }
  }
  const chroma = Buffer.alloc((WIDTH * HEIGHT) / 2, 128); // U and V planes, grey
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F30:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: FRAMES }, () => frame)]));
}
