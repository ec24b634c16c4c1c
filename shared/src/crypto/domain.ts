import { asciiBytes } from "../encoding/bytes.js";

/**
 * Domain separation: every signed message starts with a four-byte tag naming what it is, so a
 * signature made for one kind of object can never be accepted as another (a record signature
 * replayed as a batch signature, say), even when keys are shared.
 */
export const SIGNATURE_DOMAIN = {
  voucher: asciiBytes("CPV1"),
  /** The passenger's phone, over a rotating code (its device key, never the issuer's). */
  rotatingCode: asciiBytes("CPC1"),
  /** The ground's manifest key, vouching for a terminal's device key. */
  deviceCertificate: asciiBytes("CPD1"),
  /** A terminal's device key, over the receipt it shows the passenger. */
  receipt: asciiBytes("CPT1"),
  /** A terminal's device key, over the snapshot of what it approved per voucher (cabin sync). */
  spendSnapshot: asciiBytes("CPS1"),
  record: asciiBytes("CPR1"),
  batch: asciiBytes("CPB1"),
  manifest: asciiBytes("CPM1"),
  terminalRequest: asciiBytes("CPQ1"),
  /** The terminal's own anchor of its chains' heads, kept beside its device key (never sent). */
  terminalAnchor: asciiBytes("CPA1"),
} as const;
