/** The voucher QR code as the ground serves it: SVG for the page, PNG to download or print (`qr/readable.ts` draws it). */
import QRCode from "qrcode";
import { OPTIONS, readableMask, segments } from "../qr/readable.js";

export { readableQrSvg as voucherQrSvg, voucherQrModules } from "../qr/readable.js";

export function voucherQrPng(voucherText: string): Promise<Buffer> {
  return QRCode.toBuffer(segments(voucherText), { ...OPTIONS, maskPattern: readableMask(voucherText), type: "png", scale: 10 });
}
