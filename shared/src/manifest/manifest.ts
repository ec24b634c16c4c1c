/**
 * Flight manifest: everything a terminal needs to sell offline, signed by the ground's manifest key.
 *
 * v5 layout (big-endian; docs/protocol.md has the table):
 *   u8 version=3 · 16 manifest id · flight · 3 currency · u64 issued-at ms · u64 expires-at ms ·
 *   limits (u64 cap max, u64 sale max, u8 lines max) ·
 *   u8 trolley count, str8 trolley ids (ascending) ·
 *   u16 item count, items (ascending sku): str8 sku, str8 category, str8 name en, str8 name zh,
 *     u64 price minor, u16 stock per trolley (in trolley order) ·
 *   u8 key count, keys (ascending): 32 issuer public key ·
 *   u32 revoked count, 16-byte voucher ids (ascending) ·
 *   u8 crew count, crew (ascending id): str8 id, str8 name, u8 role (1 crew, 2 purser),
 *     u8 log2N, u8 r, u8 p, 16 salt, 32 hash ·
 *   u8 rotation (0 none, 1 follows): 16 rotation id, u8 leg number, u8 leg count, u8 stock carried ·
 *   u8 rate count, rates (ascending currency): 3 account currency, u64 rate micros, str8 source ·
 *   u8 code policy (v4+: 1 printed accepted, 2 codes only) ·
 *   u8 spend policy (v5+: 1 full, 2 share) · u8 cabin terminal count, cabin terminals (ascending
 *     terminal id): 16 terminal id, str8 trolley id ·
 *   8 signing key id · 64 signature over "CPM1" ‖ all bytes before it
 *
 * Lists are sorted and free of duplicates; a decoder refuses anything else, so one manifest has
 * exactly one encoding.
 */

import { SIGNATURE_DOMAIN } from "../crypto/domain.js";
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, KEY_ID_BYTES, keyIdOf, type Signer, type Verifier } from "../crypto/ed25519.js";
import { ByteReader, ByteWriter, DecodeError } from "../encoding/binary.js";
import { asciiBytes, compareBytes, concatBytes, fromHex, toHex } from "../encoding/bytes.js";
import { CabinPayError, check, checkLimit, type ManifestRejection } from "../errors.js";
import { type FlightRef, readFlight, sameFlight, writeFlight } from "../flight.js";
import { isCategory, isCrewId, isSku, isTrolleyId } from "../identifiers.js";
import { bytesToUuid, isUuid, UUID_BYTES, uuidToBytes } from "../ids/uuid.js";
import { LIMITS } from "../limits.js";
import { type CurrencyCode, isCurrencyCode } from "../money/currencies.js";
import { type ExchangeRate, isRateMicros, RATE_MICROS_MAX, RATE_SOURCE_BYTES_MAX } from "../money/exchange.js";
import { SPEND_POLICIES, type SpendPolicy } from "../sync/policy.js";
import { isPinCostInBounds, PIN_HASH_BYTES, PIN_SALT_BYTES, type PinVerifier } from "./pin.js";

/**
 * v2 added the rotation block (v1 manifests were for one flight, loaded one at a time); v3 the
 * exchange rates; v4 the code policy; v5 the spend policy and the flight's terminals (cabin sync).
 */
export const MANIFEST_FORMAT_VERSION = 5;
/**
 * Every version this code reads. A terminal updated with manifests of an older version stored
 * (and records under them unsent) must still open them and upload: an update never strands a
 * record. A version is dropped from here only once no terminal can hold it.
 */
export const MANIFEST_READABLE_VERSIONS: readonly number[] = [1, 2, 3, 4, 5];
/**
 * What pays on the flight: `printed_accepted`, a phone-bound voucher's live code or a printed
 * voucher (name and seat checked); `codes_only`, only a phone's live code (a photo of a printed
 * voucher cannot pay). Set by ops per flight; manifests before v4 are `printed_accepted`.
 */
export const CODE_POLICIES = ["printed_accepted", "codes_only"] as const;
export type CodePolicy = (typeof CODE_POLICIES)[number];
export const MANIFEST_RATES_MAX = 16;
export const ROTATION_LEGS_MAX = 8;
export const CREW_ROLES = ["crew", "purser"] as const;
export type CrewRole = (typeof CREW_ROLES)[number];

export interface CatalogItem {
  readonly sku: string;
  readonly category: string;
  readonly nameEn: string;
  /** Simplified Chinese name; "" when the airline has none. */
  readonly nameZh: string;
  readonly priceMinor: number;
  /** Units loaded on each trolley, keyed by trolley id; every trolley of the manifest is present. */
  readonly stockByTrolley: Readonly<Record<string, number>>;
}

export interface CrewMember {
  readonly crewId: string;
  readonly name: string;
  readonly role: CrewRole;
  readonly pinVerifier: PinVerifier;
}

export interface ManifestLimits {
  /** Largest cap a voucher for this flight may carry. */
  readonly capMinorMax: number;
  /** Largest single sale. */
  readonly saleMinorMax: number;
  readonly saleLinesMax: number;
}

/** The flight's place in its aircraft's rotation of the day. */
export interface ManifestRotation {
  readonly rotationId: string;
  /** 1 for the first leg flown. */
  readonly legNumber: number;
  readonly legCount: number;
  /**
   * Ops loaded no stock for this leg: each trolley opens with what was left at the previous
   * leg's close (every stock figure of the catalog is then 0). Otherwise the leg is re-stocked.
   */
  readonly stockCarried: boolean;
}

/** A terminal ops assigned to one of the flight's trolleys: a peer the cabin sync believes. */
export interface CabinTerminal {
  readonly terminalId: string;
  readonly trolleyId: string;
}

export interface ManifestContent {
  readonly manifestId: string;
  readonly flight: FlightRef;
  readonly currency: CurrencyCode;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  readonly limits: ManifestLimits;
  readonly trolleys: readonly string[];
  readonly catalog: readonly CatalogItem[];
  /** Voucher issuer public keys the terminal trusts for this flight. */
  readonly trustedKeys: readonly Uint8Array[];
  readonly revokedVoucherIds: readonly string[];
  readonly crew: readonly CrewMember[];
  /** Absent for a flight that is not a leg of a rotation. */
  readonly rotation?: ManifestRotation;
  /**
   * From the flight's currency into each other account currency a voucher may be in: a CNY
   * voucher on a HKD leg is spent at this rate (`money/exchange.ts`). Empty: vouchers in the
   * flight's currency only.
   */
  readonly rates: readonly ExchangeRate[];
  /** What pays on this flight; `printed_accepted` when absent. */
  readonly codePolicy?: CodePolicy;
  /** What a trolley may approve while it cannot hear the others (`sync/policy.ts`); `full` when absent. */
  readonly spendPolicy?: SpendPolicy;
  /**
   * The terminals holding the flight's trolleys when the ground signed: the only terminals whose
   * spend a terminal believes. Empty (and in manifests before v5): any terminal our ground certified.
   */
  readonly cabinTerminals?: readonly CabinTerminal[];
}

export interface Manifest extends ManifestContent {
  readonly codePolicy: CodePolicy;
  readonly spendPolicy: SpendPolicy;
  readonly cabinTerminals: readonly CabinTerminal[];
  /** The version it was encoded in: this code writes MANIFEST_FORMAT_VERSION and reads every readable one. */
  readonly formatVersion: number;
  readonly signingKeyId: string;
  readonly signature: Uint8Array;
  readonly bytes: Uint8Array;
}

/** Encodes (sorting every list) and signs. Throws `invalid_argument` for content that breaks a rule. */
export function signManifest(content: ManifestContent, signer: Signer): Manifest {
  const canonical = canonicalize(content);
  const body = encodeBody(canonical, signer.keyId);
  const signature = signer.sign(concatBytes(SIGNATURE_DOMAIN.manifest, body));
  const bytes = concatBytes(body, signature);
  checkLimit(bytes.length <= LIMITS.manifestBytesMax, `manifest is ${bytes.length} bytes, over ${LIMITS.manifestBytesMax}`);
  return {
    ...canonical,
    codePolicy: canonical.codePolicy ?? "printed_accepted",
    spendPolicy: canonical.spendPolicy ?? "full",
    cabinTerminals: canonical.cabinTerminals ?? [],
    formatVersion: MANIFEST_FORMAT_VERSION,
    signingKeyId: signer.keyId,
    signature,
    bytes,
  };
}

export interface ManifestContext {
  /** The ground's manifest public key, pinned by the terminal at enrolment. */
  readonly manifestKey: Uint8Array;
  readonly verifier: Verifier;
  readonly nowMs: number;
  readonly clockToleranceMs: number;
  /** The flight the terminal means to load, when it knows. */
  readonly flight?: FlightRef;
}

export type ManifestResult =
  | { readonly ok: true; readonly manifest: Manifest }
  | { readonly ok: false; readonly reason: ManifestRejection; readonly detail: string };

/** Verifies a downloaded or imported manifest. Never throws. */
export function verifyManifest(bytes: Uint8Array, context: ManifestContext): ManifestResult {
  if (bytes.length > LIMITS.manifestBytesMax) return reject("too_large", `${bytes.length} bytes, limit ${LIMITS.manifestBytesMax}`);
  if (bytes.length > 0 && !MANIFEST_READABLE_VERSIONS.includes(bytes[0]!))
    return reject("unsupported_version", `manifest format ${bytes[0]}`);
  let manifest: Manifest;
  let signedLength: number;
  try {
    ({ manifest, signedLength } = decodeManifest(bytes));
  } catch (error) {
    if (error instanceof DecodeError) return reject("malformed", error.message);
    throw error;
  }
  if (manifest.signingKeyId !== keyIdOf(context.manifestKey))
    return reject("unknown_key", `signed by key ${manifest.signingKeyId}, not the pinned ground key`);
  const message = concatBytes(SIGNATURE_DOMAIN.manifest, bytes.subarray(0, signedLength));
  if (!context.verifier.verify(manifest.signature, message, context.manifestKey))
    return reject("bad_signature", "forged or altered manifest");
  if (context.flight !== undefined && !sameFlight(context.flight, manifest.flight)) {
    return reject("wrong_flight", `manifest is for ${manifest.flight.carrier}${manifest.flight.number} ${manifest.flight.date}`);
  }
  if (context.nowMs + context.clockToleranceMs < manifest.issuedAtMs)
    return reject("not_yet_valid", "issued in the future: check the terminal clock");
  if (context.nowMs - context.clockToleranceMs > manifest.expiresAtMs) return reject("expired", "download a fresh manifest");
  return { ok: true, manifest };
}

function canonicalize(content: ManifestContent): ManifestContent {
  return {
    ...content,
    trolleys: [...content.trolleys].sort(compareText),
    catalog: [...content.catalog].sort((a, b) => compareText(a.sku, b.sku)),
    trustedKeys: [...content.trustedKeys].sort(compareBytes),
    revokedVoucherIds: [...content.revokedVoucherIds].sort(compareText),
    crew: [...content.crew].sort((a, b) => compareText(a.crewId, b.crewId)),
    rates: [...content.rates].sort((a, b) => compareText(a.currency, b.currency)),
    cabinTerminals: [...(content.cabinTerminals ?? [])].sort((a, b) => compareText(a.terminalId, b.terminalId)),
  };
}

function encodeBody(content: ManifestContent, signingKeyId: string): Uint8Array {
  validateContent(content);
  const writer = new ByteWriter().u8(MANIFEST_FORMAT_VERSION).fixed(uuidToBytes(content.manifestId), UUID_BYTES);
  writeFlight(writer, content.flight);
  writer
    .fixed(asciiBytes(content.currency), 3)
    .u64(content.issuedAtMs)
    .u64(content.expiresAtMs)
    .u64(content.limits.capMinorMax)
    .u64(content.limits.saleMinorMax)
    .u8(content.limits.saleLinesMax)
    .u8(content.trolleys.length);
  for (const trolley of content.trolleys) writer.str8(trolley, LIMITS.trolleyIdBytesMax);
  writer.u16(content.catalog.length);
  for (const item of content.catalog) {
    writer
      .str8(item.sku, LIMITS.skuBytesMax)
      .str8(item.category, LIMITS.categoryBytesMax)
      .str8(item.nameEn, LIMITS.productNameBytesMax)
      .str8(item.nameZh, LIMITS.productNameBytesMax)
      .u64(item.priceMinor);
    for (const trolley of content.trolleys) writer.u16(item.stockByTrolley[trolley]!);
  }
  writer.u8(content.trustedKeys.length);
  for (const key of content.trustedKeys) writer.fixed(key, ED25519_PUBLIC_KEY_BYTES);
  writer.u32(content.revokedVoucherIds.length);
  for (const id of content.revokedVoucherIds) writer.fixed(uuidToBytes(id), UUID_BYTES);
  writer.u8(content.crew.length);
  for (const member of content.crew) {
    const pin = member.pinVerifier;
    writer
      .str8(member.crewId, LIMITS.crewIdBytesMax)
      .str8(member.name, LIMITS.crewNameBytesMax)
      .u8(CREW_ROLES.indexOf(member.role) + 1)
      .u8(pin.log2N)
      .u8(pin.r)
      .u8(pin.p)
      .fixed(pin.salt, PIN_SALT_BYTES)
      .fixed(pin.hash, PIN_HASH_BYTES);
  }
  writeRotation(writer, content.rotation);
  writer.u8(content.rates.length);
  for (const rate of content.rates)
    writer.fixed(asciiBytes(rate.currency), 3).u64(rate.rateMicros).str8(rate.source, RATE_SOURCE_BYTES_MAX);
  writer.u8(CODE_POLICIES.indexOf(content.codePolicy ?? "printed_accepted") + 1);
  writer.u8(SPEND_POLICIES.indexOf(content.spendPolicy ?? "full") + 1);
  const cabin = content.cabinTerminals ?? [];
  writer.u8(cabin.length);
  for (const terminal of cabin)
    writer.fixed(uuidToBytes(terminal.terminalId), UUID_BYTES).str8(terminal.trolleyId, LIMITS.trolleyIdBytesMax);
  const keyId = fromHex(signingKeyId);
  check(keyId !== undefined && keyId.length === KEY_ID_BYTES, "signing key id");
  return writer.fixed(keyId, KEY_ID_BYTES).finish();
}

/** The rules a manifest must satisfy; shared by the encoder (throws) and decoder (malformed). */
function validateContent(c: ManifestContent): void {
  check(isUuid(c.manifestId), "manifestId must be a UUID");
  check(isCurrencyCode(c.currency), "currency");
  check(Number.isSafeInteger(c.issuedAtMs) && Number.isSafeInteger(c.expiresAtMs) && c.issuedAtMs >= 0, "times");
  check(c.issuedAtMs < c.expiresAtMs, "issuedAtMs before expiresAtMs");
  check(
    Number.isSafeInteger(c.limits.capMinorMax) && c.limits.capMinorMax > 0 && c.limits.capMinorMax <= LIMITS.voucherCapMinorMax,
    "capMinorMax",
  );
  check(Number.isSafeInteger(c.limits.saleMinorMax) && c.limits.saleMinorMax > 0, "saleMinorMax");
  check(
    Number.isInteger(c.limits.saleLinesMax) && c.limits.saleLinesMax >= 1 && c.limits.saleLinesMax <= LIMITS.recordLinesMax,
    "saleLinesMax",
  );
  checkCount(c.trolleys.length, 1, LIMITS.manifestTrolleysMax, "trolleys");
  check(c.trolleys.every(isTrolleyId), "trolley ids");
  check(strictlyAscending(c.trolleys), "trolley ids unique");
  checkCount(c.catalog.length, 1, LIMITS.manifestCatalogItemsMax, "catalog items");
  for (const item of c.catalog) {
    check(isSku(item.sku), `sku ${item.sku}`);
    check(isCategory(item.category), `category of ${item.sku}`);
    check(item.nameEn.trim().length > 0, `English name of ${item.sku}`);
    check(Number.isSafeInteger(item.priceMinor) && item.priceMinor >= 0, `price of ${item.sku}`);
    check(Object.keys(item.stockByTrolley).length === c.trolleys.length, `stock of ${item.sku} names every trolley and no other`);
    for (const trolley of c.trolleys) {
      const stock = item.stockByTrolley[trolley];
      check(
        stock !== undefined && Number.isInteger(stock) && inRange(stock, 0, LIMITS.stockPerTrolleyMax),
        `stock of ${item.sku} on ${trolley}`,
      );
    }
  }
  check(strictlyAscending(c.catalog.map((item) => item.sku)), "skus unique");
  checkCount(c.trustedKeys.length, 1, LIMITS.manifestTrustedKeysMax, "trusted keys");
  check(
    c.trustedKeys.every((k) => k.length === ED25519_PUBLIC_KEY_BYTES),
    "trusted keys are 32 bytes",
  );
  check(
    c.trustedKeys.every((k, i) => i === 0 || compareBytes(c.trustedKeys[i - 1]!, k) < 0),
    "trusted keys unique",
  );
  checkCount(c.revokedVoucherIds.length, 0, LIMITS.manifestRevokedMax, "revoked ids");
  check(c.revokedVoucherIds.every(isUuid), "revoked ids are UUIDs");
  check(strictlyAscending(c.revokedVoucherIds), "revoked ids unique");
  checkCount(c.crew.length, 1, LIMITS.manifestCrewMax, "crew");
  for (const member of c.crew) {
    check(isCrewId(member.crewId), `crew id ${member.crewId}`);
    check(member.name.trim().length > 0, `name of crew ${member.crewId}`);
    check(CREW_ROLES.includes(member.role), `role of crew ${member.crewId}`);
    check(isPinCostInBounds(member.pinVerifier), `PIN cost of crew ${member.crewId}`);
  }
  check(strictlyAscending(c.crew.map((member) => member.crewId)), "crew ids unique");
  if (c.rotation !== undefined) validateRotation(c.rotation, c.catalog);
  checkCount(c.rates.length, 0, MANIFEST_RATES_MAX, "rates");
  for (const rate of c.rates) {
    check(isCurrencyCode(rate.currency) && rate.currency !== c.currency, `rate into ${rate.currency}: another supported currency`);
    check(isRateMicros(rate.rateMicros), `rate into ${rate.currency}: 1 to ${RATE_MICROS_MAX} micros`);
  }
  check(strictlyAscending(c.rates.map((rate) => rate.currency)), "one rate per currency");
  validateCabin(c.cabinTerminals ?? [], c.trolleys);
}

function validateCabin(cabin: readonly CabinTerminal[], trolleys: readonly string[]): void {
  checkCount(cabin.length, 0, trolleys.length, "cabin terminals (one per trolley at most)");
  check(
    cabin.every((terminal) => isUuid(terminal.terminalId)),
    "cabin terminal ids are UUIDs",
  );
  check(strictlyAscending(cabin.map((terminal) => terminal.terminalId)), "cabin terminal ids unique");
  check(
    cabin.every((terminal) => trolleys.includes(terminal.trolleyId)),
    "cabin terminals hold trolleys of the flight",
  );
  check(new Set(cabin.map((terminal) => terminal.trolleyId)).size === cabin.length, "one terminal per trolley");
}

function validateRotation(rotation: ManifestRotation, catalog: readonly CatalogItem[]): void {
  check(isUuid(rotation.rotationId), "rotation id");
  check(Number.isInteger(rotation.legCount) && inRange(rotation.legCount, 2, ROTATION_LEGS_MAX), `2 to ${ROTATION_LEGS_MAX} legs`);
  check(Number.isInteger(rotation.legNumber) && inRange(rotation.legNumber, 1, rotation.legCount), "leg number within the legs");
  check(!rotation.stockCarried || rotation.legNumber > 1, "the first leg has stock of its own");
  check(
    !rotation.stockCarried || catalog.every((item) => Object.values(item.stockByTrolley).every((quantity) => quantity === 0)),
    "a leg that carries its stock over loads none",
  );
}

function writeRotation(writer: ByteWriter, rotation: ManifestRotation | undefined): void {
  if (rotation === undefined) {
    writer.u8(0);
    return;
  }
  writer
    .u8(1)
    .fixed(uuidToBytes(rotation.rotationId), UUID_BYTES)
    .u8(rotation.legNumber)
    .u8(rotation.legCount)
    .u8(rotation.stockCarried ? 1 : 0);
}

function readRotation(r: ByteReader): ManifestRotation | undefined {
  const present = r.u8("rotation");
  if (present === 0) return undefined;
  if (present !== 1) throw new DecodeError("manifest: rotation flag");
  const rotationId = bytesToUuid(r.fixed(UUID_BYTES, "rotation id"));
  const legNumber = r.u8("leg number");
  const legCount = r.u8("leg count");
  const carried = r.u8("stock carried");
  if (carried > 1) throw new DecodeError("manifest: stock carried flag");
  return { rotationId, legNumber, legCount, stockCarried: carried === 1 };
}

function decodeManifest(bytes: Uint8Array): { manifest: Manifest; signedLength: number } {
  const r = new ByteReader(bytes);
  const version = r.u8("version");
  const manifestId = bytesToUuid(r.fixed(UUID_BYTES, "manifest id"));
  const flight = readFlight(r);
  const currency = String.fromCharCode(...r.fixed(3, "currency"));
  if (!isCurrencyCode(currency)) throw new DecodeError("manifest: currency");
  const issuedAtMs = r.u64("issued at");
  const expiresAtMs = r.u64("expires at");
  const limits = { capMinorMax: r.u64("cap max"), saleMinorMax: r.u64("sale max"), saleLinesMax: r.u8("lines max") };
  const trolleys = Array.from({ length: count(r.u8("trolley count"), LIMITS.manifestTrolleysMax, "trolleys") }, () =>
    r.str8("trolley id", 1, LIMITS.trolleyIdBytesMax),
  );
  const itemCount = count(r.u16("item count"), LIMITS.manifestCatalogItemsMax, "items");
  const catalog: CatalogItem[] = [];
  for (let i = 0; i < itemCount; i++) {
    const sku = r.str8("sku", 1, LIMITS.skuBytesMax);
    const category = r.str8("category", 1, LIMITS.categoryBytesMax);
    const nameEn = r.str8("name en", 1, LIMITS.productNameBytesMax);
    const nameZh = r.str8("name zh", 0, LIMITS.productNameBytesMax);
    const priceMinor = r.u64("price");
    const stockByTrolley: Record<string, number> = {};
    for (const trolley of trolleys) stockByTrolley[trolley] = r.u16("stock");
    catalog.push({ sku, category, nameEn, nameZh, priceMinor, stockByTrolley });
  }
  const keyCount = count(r.u8("key count"), LIMITS.manifestTrustedKeysMax, "keys");
  const trustedKeys = Array.from({ length: keyCount }, () => r.fixed(ED25519_PUBLIC_KEY_BYTES, "trusted key").slice());
  // Read the count, then check it fits in what is left, before allocating anything for it.
  const revokedCount = count(r.u32("revoked count"), LIMITS.manifestRevokedMax, "revoked ids", 0);
  if (revokedCount * UUID_BYTES > r.remaining) throw new DecodeError("manifest: revoked ids truncated");
  const revokedVoucherIds = Array.from({ length: revokedCount }, () => bytesToUuid(r.fixed(UUID_BYTES, "revoked id")));
  const crewCount = count(r.u8("crew count"), LIMITS.manifestCrewMax, "crew");
  const crew: CrewMember[] = [];
  for (let i = 0; i < crewCount; i++) {
    const crewId = r.str8("crew id", 1, LIMITS.crewIdBytesMax);
    const name = r.str8("crew name", 1, LIMITS.crewNameBytesMax);
    const role = CREW_ROLES[r.u8("crew role") - 1];
    if (role === undefined) throw new DecodeError("manifest: crew role");
    const pinVerifier: PinVerifier = {
      log2N: r.u8("pin log2N"),
      r: r.u8("pin r"),
      p: r.u8("pin p"),
      salt: r.fixed(PIN_SALT_BYTES, "pin salt").slice(),
      hash: r.fixed(PIN_HASH_BYTES, "pin hash").slice(),
    };
    crew.push({ crewId, name, role, pinVerifier });
  }
  // v2 added the rotation, v3 the rates: an older manifest has neither.
  const rotation = version >= 2 ? readRotation(r) : undefined;
  const rates = Array.from({ length: version >= 3 ? count(r.u8("rate count"), MANIFEST_RATES_MAX, "rates", 0) : 0 }, () => {
    const currency = String.fromCharCode(...r.fixed(3, "rate currency"));
    if (!isCurrencyCode(currency)) throw new DecodeError("manifest: rate currency");
    return { currency, rateMicros: r.u64("rate micros"), source: r.str8("rate source", 0, RATE_SOURCE_BYTES_MAX) };
  });
  // v4 added the code policy: earlier manifests took printed vouchers.
  const codePolicy = version >= 4 ? CODE_POLICIES[r.u8("code policy") - 1] : "printed_accepted";
  if (codePolicy === undefined) throw new DecodeError("manifest: code policy");
  // v5 added the spend policy and the flight's terminals: earlier manifests allowed the cap on each trolley.
  const spendPolicy = version >= 5 ? SPEND_POLICIES[r.u8("spend policy") - 1] : "full";
  if (spendPolicy === undefined) throw new DecodeError("manifest: spend policy");
  const cabinTerminals = Array.from(
    { length: version >= 5 ? count(r.u8("cabin terminal count"), trolleys.length, "cabin terminals", 0) : 0 },
    () => ({
      terminalId: bytesToUuid(r.fixed(UUID_BYTES, "cabin terminal id")),
      trolleyId: r.str8("cabin trolley id", 1, LIMITS.trolleyIdBytesMax),
    }),
  );
  const signingKeyId = toHex(r.fixed(KEY_ID_BYTES, "signing key id"));
  const signedLength = r.position;
  const signature = r.fixed(ED25519_SIGNATURE_BYTES, "signature").slice();
  r.end("manifest");
  const content: ManifestContent = {
    manifestId,
    flight,
    currency,
    issuedAtMs,
    expiresAtMs,
    limits,
    trolleys,
    catalog,
    trustedKeys,
    revokedVoucherIds,
    crew,
    ...(rotation === undefined ? {} : { rotation }),
    rates,
    codePolicy,
    spendPolicy,
    cabinTerminals,
  };
  try {
    validateContent(content);
  } catch (error) {
    if (error instanceof CabinPayError) throw new DecodeError(`manifest: ${error.message}`);
    throw error;
  }
  const manifest: Manifest = {
    ...content,
    codePolicy,
    spendPolicy,
    cabinTerminals,
    formatVersion: version,
    signingKeyId,
    signature,
    bytes: bytes.slice(),
  };
  return { manifest, signedLength };
}

function count(value: number, max: number, what: string, min = 1): number {
  if (value < min || value > max) throw new DecodeError(`manifest: ${value} ${what}, ${min} to ${max}`);
  return value;
}

function checkCount(length: number, min: number, max: number, what: string): void {
  check(length >= min, `at least ${min} ${what}`);
  checkLimit(length <= max, `at most ${max} ${what}`);
}

function inRange(value: number, min: number, max: number): boolean {
  return value >= min && value <= max;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function strictlyAscending(values: readonly string[]): boolean {
  return values.every((value, i) => i === 0 || values[i - 1]! < value);
}

function reject(reason: ManifestRejection, detail: string): ManifestResult {
  return { ok: false, reason, detail };
}
