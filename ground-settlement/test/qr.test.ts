/**
 * The voucher QR, and the phone's live code, are drawn so that the crew's scanner (@zxing/library)
 * reads them, however large the modules come out.
 */
import { BinaryBitmap, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from "@zxing/library";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { voucherQrModules } from "../src/services/qr.js";

const BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

function readAt(voucherText: string, pixelsPerModule: number): string | undefined {
  const qr = voucherQrModules(voucherText);
  const quiet = 4;
  const width = (qr.size + 2 * quiet) * pixelsPerModule;
  const luminance = new Uint8ClampedArray(width * width).fill(235);
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      const row = Math.floor(y / pixelsPerModule) - quiet;
      const column = Math.floor(x / pixelsPerModule) - quiet;
      if (row >= 0 && column >= 0 && row < qr.size && column < qr.size && qr.dark(row, column)) luminance[y * width + x] = 16;
    }
  }
  try {
    return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, width)))).getText();
  } catch {
    return undefined;
  }
}

describe("the voucher QR code", () => {
  it("reads back with the terminal's decoder at every module size from 3 to 8 pixels", () => {
    // Vouchers are "CP2:" and 236 base45 characters (a typical printed voucher, 157 bytes, version 9 at level M).
    const voucher = fc.string({ unit: fc.constantFrom(...BASE45), minLength: 236, maxLength: 236 }).map((body) => `CP2:${body}`);
    fc.assert(
      fc.property(voucher, (text) => {
        for (let pixels = 3; pixels <= 8; pixels++) expect(readAt(text, pixels), `${pixels} px a module`).toBe(text);
      }),
      { numRuns: 60 },
    );
  });

  it("draws a phone's live code (version 12) so the terminal's decoder reads it at every module size from 3 to 8 pixels", () => {
    // A typical rotating code: "CPC1:" and 396 base45 characters (267 bytes), as the passenger app draws it.
    const code = fc.string({ unit: fc.constantFrom(...BASE45), minLength: 396, maxLength: 396 }).map((body) => `CPC1:${body}`);
    fc.assert(
      fc.property(code, (text) => {
        for (let pixels = 3; pixels <= 8; pixels++) expect(readAt(text, pixels), `${pixels} px a module`).toBe(text);
      }),
      { numRuns: 30 },
    );
  });
});
