/**
 * QR benchmark: how often our scanner's decoder (@zxing/library, the crew's camera loop and the
 * phone's) reads each kind of code at 3 to 8 pixels a module: a printed voucher, a phone's live
 * code and a terminal's receipt, random texts of their typical length, drawn with the mask we
 * choose and, beside it, with the encoder's own mask (why we choose). Floors: every voucher and
 * live code read at every size (the masks are chosen to read at every size; property tests hold it);
 * 95% of receipts at each size (a receipt's mask is chosen the same way, but some receipts have no
 * mask zxing reads at every size, and a phone moving in front of the screen changes the size).
 */
import { readableMask, readsBack, segments } from "@cabinpay/shared/qr";
import QRCode from "qrcode";

const BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const SCALES = [3, 4, 5, 6, 7, 8] as const;
/** Typical texts: a voucher (version 9), a live code (version 12), a two-line sale's receipt (version 16–17). */
const KINDS = [
  { name: "printed voucher", prefix: "CP2:", chars: 236, floorPercent: 100 },
  { name: "live code", prefix: "CPC1:", chars: 396, floorPercent: 100 },
  { name: "receipt", prefix: "CPT1:", chars: 660, floorPercent: 95 },
] as const;

export function runQrBench(options: { codesPerKind: number }): void {
  console.log(`\nQR read rate by our scanner's decoder, ${options.codesPerKind} random codes a kind (floor: with our mask)`);
  console.log(`${"".padEnd(26)}${SCALES.map((px) => `${px} px`.padStart(8)).join("")}  version`);
  for (const kind of KINDS) {
    const texts = Array.from({ length: options.codesPerKind }, () => kind.prefix + randomBase45(kind.chars));
    const version = QRCode.create(segments(texts[0]!), { errorCorrectionLevel: "M" }).version;
    const ours = SCALES.map((px) => rate(texts, (text) => readsBack(text, readableMask(text), px)));
    const encoders = SCALES.map((px) =>
      rate(texts, (text) => readsBack(text, QRCode.create(segments(text), { errorCorrectionLevel: "M" }).maskPattern ?? 0, px)),
    );
    const floorMet = ours.every((r) => r >= kind.floorPercent) ? `floor ${kind.floorPercent}%` : `BELOW FLOOR ${kind.floorPercent}%`;
    console.log(`${`${kind.name}, our mask`.padEnd(26)}${ours.map(percent).join("")}  v${version}  ${floorMet}`);
    console.log(`${`${kind.name}, encoder's`.padEnd(26)}${encoders.map(percent).join("")}`);
  }
}

function rate(texts: readonly string[], reads: (text: string) => boolean): number {
  return (100 * texts.filter(reads).length) / texts.length;
}

const percent = (value: number) => `${value.toFixed(0)}%`.padStart(8);

function randomBase45(length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += BASE45[Math.floor(Math.random() * BASE45.length)];
  return text;
}
