/**
 * The voucher QR code: level M (docs/protocol.md says why), alphanumeric mode, a quiet zone of
 * four modules, large modules for phone screens and home printers.
 */
import QRCode from "qrcode";

const OPTIONS = { errorCorrectionLevel: "M", margin: 4 } as const;

export function voucherQrSvg(voucherText: string): Promise<string> {
  return QRCode.toString([{ data: voucherText, mode: "alphanumeric" }], { ...OPTIONS, type: "svg" });
}

export function voucherQrPng(voucherText: string): Promise<Buffer> {
  return QRCode.toBuffer([{ data: voucherText, mode: "alphanumeric" }], { ...OPTIONS, type: "png", scale: 10 });
}
