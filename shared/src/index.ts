/**
 * @cabinpay/shared: the CabinPay protocol. Portable: runs unchanged in Node, the Electron renderer
 * and a browser (no Node or DOM imports here; Node-only parts are in `@cabinpay/shared/node`).
 */

export { airportTimeZone } from "./airports.js";
export * from "./batch/batch.js";
export { SIGNATURE_DOMAIN } from "./crypto/domain.js";
export * from "./crypto/ed25519.js";
export { sha256 } from "./crypto/hash.js";
export * from "./crypto/p256.js";
export { BASE45_ALPHABET, base45Decode, base45Encode } from "./encoding/base45.js";
export { bytesEqual, concatBytes, fromHex, toHex } from "./encoding/bytes.js";
export * from "./errors.js";
export * from "./flight.js";
export * from "./identifiers.js";
export * from "./ids/uuid.js";
export { LIMITS } from "./limits.js";
export * from "./manifest/bundle.js";
export * from "./manifest/manifest.js";
export * from "./manifest/pin.js";
export * from "./money/currencies.js";
export * from "./money/exchange.js";
export { formatMoney, toDecimalString } from "./money/format.js";
export * from "./money/money.js";
export { AMOUNT_TEXT_MAX_CHARS, type AmountParseResult, parseAmount } from "./money/parse.js";
export * from "./receipt/certificate.js";
export * from "./receipt/receipt.js";
export * from "./record/chain.js";
export * from "./record/reason.js";
export * from "./record/record.js";
export * from "./request/terminal-request.js";
export * from "./sync/cabin-spend.js";
export * from "./sync/handoff.js";
export * from "./sync/policy.js";
export * from "./sync/spend-state.js";
export * from "./text/text.js";
export { type IssuedVoucher, issueVoucher } from "./voucher/issue.js";
export {
  VOUCHER_ALGORITHM_ED25519,
  VOUCHER_FORMAT_VERSION,
  VOUCHER_READABLE_VERSIONS,
  VOUCHER_TEXT_PREFIX,
  type Voucher,
  type VoucherClaims,
} from "./voucher/layout.js";
export * from "./voucher/rotating-code.js";
export * from "./voucher/verify.js";
