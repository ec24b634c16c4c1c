/** The voucher QR code as the ground serves it: SVG for the page, PNG to download or print (`@cabinpay/shared/qr` draws it). */

import { OPTIONS, readableMask, segments } from "@cabinpay/shared/qr";
import QRCode from "qrcode";

export { readableQrSvg as voucherQrSvg, voucherQrModules } from "@cabinpay/shared/qr";

export function voucherQrPng(voucherText: string): Promise<Buffer> {
  return QRCode.toBuffer(segments(voucherText), { ...OPTIONS, maskPattern: readableMask(voucherText), type: "png", scale: 10 });
}
