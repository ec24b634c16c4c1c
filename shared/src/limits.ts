/**
 * Every protocol limit in one place. Decoders check each field against these before doing any
 * work with it, so the cost of refusing hostile input is bounded by its length.
 */
export const LIMITS = {
  /** Voucher text (prefix + base45) accepted for decoding; the longest valid one is 285 characters. */
  voucherTextCharsMax: 400,
  /** Rotating code text (prefix + base45): the largest voucher with its device key and signature is 452 characters. */
  rotatingCodeTextCharsMax: 520,
  /** A rotating code's period, seconds: a new code at least every 5 minutes, at most every 10 s. */
  codePeriodSMin: 10,
  codePeriodSMax: 300,
  /** Passenger display name in a voucher, UTF-8 bytes (16 Chinese characters or 48 Latin). */
  passengerNameBytesMax: 48,
  /** Seat like "32A" or "101K". */
  seatCharsMax: 4,
  /** The cap travels as u32 minor units: ample for any in-flight spending cap. */
  voucherCapMinorMax: 0xffff_ffff,
  /** Longest voucher validity window. */
  voucherValidityMsMax: 7 * 24 * 60 * 60 * 1000,

  crewIdBytesMax: 32,
  trolleyIdBytesMax: 16,
  skuBytesMax: 32,
  categoryBytesMax: 32,
  productNameBytesMax: 200,
  crewNameBytesMax: 64,
  /** Lines in one sale record. */
  recordLinesMax: 50,
  lineQuantityMax: 999,
  /** Encoded size of one sale record (50 lines + voucher evidence fit well inside). */
  recordBytesMax: 4096,

  /** Records in one upload batch (a typical record is about 400 bytes). */
  batchRecordsMax: 1000,
  /** Encoded size of one upload batch. */
  batchBytesMax: 4 * 1024 * 1024,

  /** A widebody's galleys hold up to a dozen or so; cabin sync's 16 snapshots an exchange match it. */
  manifestTrolleysMax: 16,
  manifestCatalogItemsMax: 2000,
  manifestTrustedKeysMax: 16,
  manifestRevokedMax: 100_000,
  manifestCrewMax: 64,
  /** Encoded manifest size: 2,000 items of long bilingual names plus 100,000 revocations fit. */
  manifestBytesMax: 4 * 1024 * 1024,
  stockPerTrolleyMax: 0xffff,
} as const;
