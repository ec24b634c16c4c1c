/**
 * Drawing QR codes that the crew's and the passengers' scanners read (pure, for Node and browsers):
 * the ground's vouchers, the phone's live codes and the terminal's receipts are all drawn here.
 */
export { OPTIONS, readableMask, readableQrSvg, readsBack, segments, voucherQrModules } from "./readable.js";
