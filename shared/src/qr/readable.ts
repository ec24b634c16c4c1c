/**
 * CabinPay's QR codes, drawn so the scanners read them (pure: the ground draws vouchers with it,
 * the passenger's phone its rotating codes, offline, and the terminal its receipts): level M
 * (docs/protocol.md says why), one alphanumeric segment, a quiet zone of four modules.
 *
 * The mask pattern is chosen so that the crew's scanner reads it. The terminal decodes with
 * @zxing/library, whose finder-pattern search misses some perfectly drawn version 9–10 codes,
 * depending on how many pixels a module takes (measured: 13–26 of 200 random vouchers at 5–7 px a
 * module). Of the eight masks the QR standard allows, the first one our scanner reads back at
 * every checked module size is used (else the one read at most sizes); other readers read any.
 */
import { BinaryBitmap, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from "@zxing/library";
import QRCode, { type QRCodeMaskPattern } from "qrcode";

export const OPTIONS = { errorCorrectionLevel: "M", margin: 4 } as const;
const MASKS: readonly QRCodeMaskPattern[] = [0, 1, 2, 3, 4, 5, 6, 7];
/**
 * Pixels per module at which a mask must read back: a phone held near or far from the camera.
 * Every size from 3 to 8: checking only 3, 5 and 7 let a live code through that its mask could not
 * read at 8 px (found by the property test in ground-settlement/test/qr.test.ts).
 */
const CHECK_SCALES = [3, 4, 5, 6, 7, 8] as const;

export const segments = (voucherText: string) => [{ data: voucherText, mode: "alphanumeric" as const }];

/** The QR code as drawn: its size and whether each module is dark. */
export function voucherQrModules(voucherText: string): { size: number; dark(row: number, column: number): boolean; maskPattern: number } {
  const maskPattern = readableMask(voucherText);
  const qr = QRCode.create(segments(voucherText), { errorCorrectionLevel: OPTIONS.errorCorrectionLevel, maskPattern });
  return { size: qr.modules.size, dark: (row, column) => qr.modules.get(row, column) === 1, maskPattern };
}

/** The code as SVG text, with the mask the crew's scanner reads. */
export function readableQrSvg(text: string): Promise<string> {
  return QRCode.toString(segments(text), { ...OPTIONS, maskPattern: readableMask(text), type: "svg" });
}

const chosen = new Map<string, QRCodeMaskPattern>();
const CHOSEN_MAX = 10_000;

export function readableMask(voucherText: string): QRCodeMaskPattern {
  const known = chosen.get(voucherText);
  if (known !== undefined) return known;
  // The encoder's own choice first (its penalty rules make the best-looking code), then the rest.
  const preferred = QRCode.create(segments(voucherText), { errorCorrectionLevel: OPTIONS.errorCorrectionLevel })
    .maskPattern as QRCodeMaskPattern;
  let mask = preferred;
  let bestScore = -1;
  for (const candidate of [preferred, ...MASKS.filter((m) => m !== preferred)]) {
    const score = CHECK_SCALES.filter((scale) => readsBack(voucherText, candidate, scale)).length;
    if (score > bestScore) [mask, bestScore] = [candidate, score];
    if (score === CHECK_SCALES.length) break;
  }
  if (chosen.size >= CHOSEN_MAX) chosen.delete(chosen.keys().next().value!);
  chosen.set(voucherText, mask);
  return mask;
}

/** Whether our scanner's decoder reads the code drawn with `maskPattern` at `scale` pixels a module (the benchmark's measure too). */
export function readsBack(voucherText: string, maskPattern: QRCodeMaskPattern, scale: number): boolean {
  const qr = QRCode.create(segments(voucherText), { errorCorrectionLevel: OPTIONS.errorCorrectionLevel, maskPattern });
  const modules = qr.modules.size;
  const width = (modules + 2 * OPTIONS.margin) * scale;
  const luminance = new Uint8ClampedArray(width * width).fill(255);
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      const row = Math.floor(y / scale) - OPTIONS.margin;
      const column = Math.floor(x / scale) - OPTIONS.margin;
      if (row >= 0 && column >= 0 && row < modules && column < modules && qr.modules.get(row, column) === 1) luminance[y * width + x] = 0;
    }
  }
  try {
    return (
      new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, width)))).getText() ===
      voucherText
    );
  } catch {
    return false;
  }
}
