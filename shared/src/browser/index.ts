/**
 * Browser-only helpers shared by the crew UI (Electron's renderer, or Chromium through the browser
 * host) and the passenger app: both read QR codes from a camera, the crew a voucher or a phone's
 * live code, the passenger a terminal's receipt. Not part of the portable core (it needs the DOM).
 */
export { startCameraScan } from "./camera-scan.js";
