/**
 * Builds the committed test vectors (shared/test-vectors/*.json) from deterministic fixtures.
 * `npm run vectors` writes them; vectors.test.ts runs every one and checks the files are current.
 * The format of each file is described in docs/protocol.md ("Test vectors").
 */
import { readFileSync } from "node:fs";
import {
  base45Decode,
  base45Encode,
  type ChainAnchor,
  certifyDevice,
  concatBytes,
  createBatch,
  createPortableDeviceSigner,
  createRecord,
  ED25519_SIGNATURE_BYTES,
  type FlightRef,
  GENESIS_ANCHOR,
  GENESIS_HASH,
  type IssuedVoucher,
  makeReceipt,
  money,
  type PinVerifier,
  RECEIPT_TEXT_PREFIX,
  type RecordDraft,
  ROTATING_CODE_TEXT_PREFIX,
  rotatingCodeBody,
  rotatingCodeText,
  type SaleRecord,
  SIGNATURE_DOMAIN,
  type Signer,
  signManifest,
  toHex,
  VOUCHER_FORMAT_VERSION,
  type Voucher,
} from "@cabinpay/shared";
import {
  chain,
  crewMember,
  DEPARTURE_MS,
  FLIGHT,
  HOUR_MS,
  issue,
  issuerKey,
  manifestContent,
  manifestKey,
  OTHER_FLIGHT,
  OTHER_TERMINAL_ID,
  otherIssuerKey,
  otherTerminalKey,
  phoneKey,
  seedKey,
  TERMINAL_ID,
  terminalKey,
  voucherClaims,
} from "./fixtures.js";
import { recordLayout, voucherLayout } from "./layout.js";

export type Expected = { ok: true; [key: string]: unknown } | { ok: false; reason: string; [key: string]: unknown };

const TOLERANCE_MS = 5 * 60_000;
const flip = (bytes: Uint8Array, at: number, xor = 1) =>
  Uint8Array.from(bytes, (b, i) => (i === (at < 0 ? bytes.length + at : at) ? b ^ xor : b));

// ---- vouchers ----

function voucherContext(overrides: Record<string, unknown> = {}) {
  return {
    trustedKeys: [toHex(issuerKey.publicKey)],
    revokedIds: [] as string[],
    flight: FLIGHT,
    nowMs: DEPARTURE_MS + HOUR_MS,
    clockToleranceMs: TOLERANCE_MS,
    ...overrides,
  };
}

export function voucherSummary(v: Voucher) {
  return {
    issuerKeyId: v.issuerKeyId,
    voucherId: v.voucherId,
    accountRef: v.accountRef,
    flight: v.flight,
    capMinor: v.cap.amountMinor,
    currency: v.cap.currency,
    validFromMs: v.validFromMs,
    validUntilMs: v.validUntilMs,
    passengerName: v.passengerName,
    seat: v.seat ?? null,
    formatVersion: v.formatVersion,
    devicePublicKeyHex: v.devicePublicKey === undefined ? null : toHex(v.devicePublicKey),
  };
}

function accepted(issued: IssuedVoucher) {
  const claims = voucherClaims();
  return { ok: true, voucher: { ...summaryOfClaims(claims), issuerKeyId: issuerKey.keyId }, bytesHex: toHex(issued.bytes) };
}

function summaryOfClaims(claims: ReturnType<typeof voucherClaims>) {
  return {
    voucherId: claims.voucherId,
    accountRef: claims.accountRef,
    flight: claims.flight,
    capMinor: claims.cap.amountMinor,
    currency: claims.cap.currency,
    validFromMs: claims.validFromMs,
    validUntilMs: claims.validUntilMs,
    passengerName: claims.passengerName,
    seat: claims.seat ?? null,
    formatVersion: VOUCHER_FORMAT_VERSION,
    devicePublicKeyHex: claims.devicePublicKey === undefined ? null : toHex(claims.devicePublicKey),
  };
}

/** Vouchers as v1 issuers signed them: still read (kept as text, this code only writes the current version). */
export function earlierVoucherVectors(): { name: string; text: string; context: unknown; expected: unknown }[] {
  const byVersion = JSON.parse(readFileSync(new URL("../fixtures/vouchers-earlier-versions.json", import.meta.url), "utf8")) as Record<
    string,
    { name: string; text: string; context: unknown; expected: unknown }[]
  >;
  return Object.entries(byVersion).flatMap(([version, vectors]) =>
    vectors.map((v) => ({ ...v, name: `${v.name}, format v${version} (read by every later version)` })),
  );
}

function voucherVectors() {
  const valid = issue();
  const text = (bytes: Uint8Array) => `CP2:${base45Encode(bytes)}`;
  const reject = (reason: string) => ({ ok: false, reason });
  const phone = issue({ devicePublicKey: phoneKey.publicKey });
  const deviceKeyAt = voucherLayout(voucherClaims({ devicePublicKey: phoneKey.publicKey })).find((span) => span.field === "deviceKey")!;
  const chinese = issue({ passengerName: "张伟明", seat: "1K" });
  const noSeat = issue({ seat: undefined as never, cap: money(150_000, "CNY") });
  const { validFromMs, validUntilMs } = voucherClaims();
  const capLowByte = voucherLayout(voucherClaims()).find((span) => span.field === "cap")!.end - 1;
  return [
    { name: "typical registration: 20-character name and seat", text: valid.text, context: voucherContext(), expected: accepted(valid) },
    {
      name: "Chinese name",
      text: chinese.text,
      context: voucherContext(),
      expected: {
        ok: true,
        voucher: { ...summaryOfClaims(voucherClaims({ passengerName: "张伟明", seat: "1K" })), issuerKeyId: issuerKey.keyId },
      },
    },
    {
      name: "no seat",
      text: noSeat.text,
      context: voucherContext(),
      expected: {
        ok: true,
        voucher: { ...summaryOfClaims(voucherClaims({ cap: money(150_000, "CNY") })), seat: null, issuerKeyId: issuerKey.keyId },
      },
    },
    {
      name: "bound to the passenger's phone (device key)",
      text: phone.text,
      context: voucherContext(),
      expected: {
        ok: true,
        voucher: { ...summaryOfClaims(voucherClaims({ devicePublicKey: phoneKey.publicKey })), issuerKeyId: issuerKey.keyId },
        bytesHex: toHex(phone.bytes),
      },
    },
    {
      name: "device key of a length other than 33",
      text: text(Uint8Array.from(phone.bytes, (b, i) => (i === deviceKeyAt.start ? 32 : b))),
      context: voucherContext(),
      expected: reject("malformed"),
    },
    {
      name: "device key that is no point on P-256",
      text: text(Uint8Array.from(phone.bytes, (b, i) => (i === deviceKeyAt.start + 1 ? 0x05 : b))),
      context: voucherContext(),
      expected: reject("malformed"),
    },
    {
      name: "a v1 body behind the v2 prefix",
      text: text(Uint8Array.from([1, ...valid.bytes.subarray(1)])),
      context: voucherContext(),
      expected: reject("malformed"),
    },
    { name: "scanner suffix CR LF is ignored", text: `${valid.text}\r\n`, context: voucherContext(), expected: accepted(valid) },
    {
      name: "inside the clock tolerance before the window",
      text: valid.text,
      context: voucherContext({ nowMs: validFromMs - TOLERANCE_MS }),
      expected: accepted(valid),
    },
    { name: "not a voucher", text: "https://example.com/pay", context: voucherContext(), expected: reject("malformed") },
    { name: "invalid base45", text: "CP1:not base45!", context: voucherContext(), expected: reject("malformed") },
    { name: "truncated", text: valid.text.slice(0, -3), context: voucherContext(), expected: reject("malformed") },
    {
      name: "trailing byte",
      text: text(concatBytes(valid.bytes, Uint8Array.of(0))),
      context: voucherContext(),
      expected: reject("malformed"),
    },
    {
      name: "unknown prefix version",
      text: valid.text.replace("CP2:", "CP3:"),
      context: voucherContext(),
      expected: reject("unsupported_version"),
    },
    {
      name: "unknown binary version",
      text: text(Uint8Array.from([3, ...valid.bytes.subarray(1)])),
      context: voucherContext(),
      expected: reject("unsupported_version"),
    },
    {
      name: "unknown algorithm",
      text: text(Uint8Array.from([2, 9, ...valid.bytes.subarray(2)])),
      context: voucherContext(),
      expected: reject("unsupported_algorithm"),
    },
    {
      name: "issuer key not in the trust list",
      text: issue({}, otherIssuerKey).text,
      context: voucherContext(),
      expected: reject("unknown_key"),
    },
    { name: "signature changed", text: text(flip(valid.bytes, -1)), context: voucherContext(), expected: reject("bad_signature") },
    {
      name: "cap raised after signing",
      text: text(flip(valid.bytes, capLowByte, 0x10)),
      context: voucherContext(),
      expected: reject("bad_signature"),
    },
    { name: "another flight", text: valid.text, context: voucherContext({ flight: OTHER_FLIGHT }), expected: reject("wrong_flight") },
    {
      name: "same flight number, another day",
      text: valid.text,
      context: voucherContext({ flight: { ...FLIGHT, date: "2026-12-02" } }),
      expected: reject("wrong_date"),
    },
    {
      name: "registration cancelled",
      text: valid.text,
      context: voucherContext({ revokedIds: [voucherClaims().voucherId] }),
      expected: reject("revoked"),
    },
    {
      name: "before the window",
      text: valid.text,
      context: voucherContext({ nowMs: validFromMs - TOLERANCE_MS - 1 }),
      expected: reject("not_yet_valid"),
    },
    {
      name: "after the window",
      text: valid.text,
      context: voucherContext({ nowMs: validUntilMs + TOLERANCE_MS + 1 }),
      expected: reject("expired"),
    },
    ...earlierVoucherVectors(),
  ];
}

// ---- records and chains ----

const records = chain(6);
const foreign = chain(3, otherTerminalKey, OTHER_TERMINAL_ID);

/** Re-signed by the key holder with changes (a rogue terminal). */
function resign(record: SaleRecord, changes: Partial<RecordDraft>, signer: Signer = terminalKey): SaleRecord {
  const { formatVersion: _v, totalMinor: _t, hash: _h, signature: _s, bytes: _b, ...draft } = record;
  return createRecord({ ...draft, ...changes } as RecordDraft, signer);
}

export function recordSummary(r: SaleRecord) {
  return {
    recordId: r.recordId,
    kind: r.kind,
    terminalId: r.terminalId,
    flight: r.flight,
    sequence: r.sequence,
    previousHashHex: toHex(r.previousHash),
    createdAtMs: r.createdAtMs,
    crewId: r.crewId,
    trolleyId: r.trolleyId,
    voucherId: r.voucherId,
    referencedRecordId: r.referencedRecordId ?? null,
    currency: r.currency,
    totalMinor: r.totalMinor,
    lines: r.lines,
    voucherHex: r.voucherBytes === undefined ? null : toHex(r.voucherBytes),
    reason: r.reason ?? null,
    presentation:
      r.presentation === undefined
        ? null
        : {
            slotStartMs: r.presentation.slotStartMs,
            periodS: r.presentation.periodS,
            counter: r.presentation.counter,
            signatureHex: toHex(r.presentation.signature),
          },
    formatVersion: r.formatVersion,
    hashHex: toHex(r.hash),
  };
}

interface EarlierRecord {
  readonly hex: string;
  readonly publicKeyHex: string;
  readonly record: Record<string, unknown>;
}

/** Records as v1 terminals signed them (kept as bytes: this code only writes the current version). */
export function earlierRecords(): Record<string, Record<string, EarlierRecord>> {
  return JSON.parse(readFileSync(new URL("../fixtures/records-earlier-versions.json", import.meta.url), "utf8"));
}

function earlierRecordVectors() {
  return Object.entries(earlierRecords()).flatMap(([version, byName]) =>
    Object.entries(byName).map(([name, v]) => ({
      name: `${name}, format v${version} (read by every later version)`,
      hex: v.hex,
      publicKeyHex: v.publicKeyHex,
      expected: {
        ok: true,
        record: { ...v.record, reason: null, presentation: null, formatVersion: Number(version) },
        signatureValid: true,
      },
    })),
  );
}

const closedChain = chain(6, terminalKey, TERMINAL_ID, 5);

/** The chain's first sale, as if paid with the phone-bound voucher's rotating code. */
function codePaidSale(sale: SaleRecord): SaleRecord {
  const bound = issue({ devicePublicKey: phoneKey.publicKey }).bytes;
  const body = rotatingCodeBody(bound, { nowMs: sale.createdAtMs, periodS: 30, counter: 3 }, phoneKey.publicKey);
  const presentation = {
    slotStartMs: Math.floor(sale.createdAtMs / 30_000) * 30_000,
    periodS: 30,
    counter: 3,
    signature: phoneKey.signSync(concatBytes(SIGNATURE_DOMAIN.rotatingCode, body)),
  };
  return resign(sale, { voucherBytes: bound, presentation });
}

/** The record with its presentation cut out (length 0), signature kept: what a rogue terminal would send. */
function withoutPresentation(record: SaleRecord): Uint8Array {
  const end = record.bytes.length - ED25519_SIGNATURE_BYTES;
  return concatBytes(record.bytes.subarray(0, end - 75), Uint8Array.of(0), record.bytes.subarray(end));
}

function recordVectors() {
  const [sale, , , voided] = records;
  const codePaid = codePaidSale(sale!);
  const closing = closedChain[4]!;
  return [
    {
      name: "sale",
      hex: toHex(sale!.bytes),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: true, record: recordSummary(sale!), signatureValid: true },
    },
    {
      name: "void",
      hex: toHex(voided!.bytes),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: true, record: recordSummary(voided!), signatureValid: true },
    },
    {
      name: "sale under another terminal's key",
      hex: toHex(sale!.bytes),
      publicKeyHex: toHex(otherTerminalKey.publicKey),
      expected: { ok: true, record: recordSummary(sale!), signatureValid: false },
    },
    {
      name: "close (service ended)",
      hex: toHex(closing.bytes),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: true, record: recordSummary(closing), signatureValid: true },
    },
    {
      name: "truncated",
      hex: toHex(sale!.bytes.subarray(0, 80)),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: false, reason: "malformed" },
    },
    {
      name: "unknown version",
      hex: toHex(Uint8Array.from([3, ...sale!.bytes.subarray(1)])),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: false, reason: "unsupported_version" },
    },
    {
      name: "unknown kind",
      hex: toHex(flip(sale!.bytes, 1, 0x07)),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: false, reason: "malformed" },
    },
    {
      name: "sale paid with a rotating code (the phone's signature kept)",
      hex: toHex(codePaid.bytes),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: true, record: recordSummary(codePaid), signatureValid: true },
    },
    {
      name: "a sale on a phone-bound voucher without its code",
      hex: toHex(withoutPresentation(codePaid)),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: false, reason: "malformed" },
    },
    {
      name: "a void with a reason code no version defines",
      hex: toHex(withReasonByte(voided!, 0x07)),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: false, reason: "malformed" },
    },
    {
      name: "a void without a reason",
      hex: toHex(withReasonByte(voided!, 0)),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: false, reason: "malformed" },
    },
    {
      name: "a sale with a reason",
      hex: toHex(withReasonByte(sale!, 1)),
      publicKeyHex: toHex(terminalKey.publicKey),
      expected: { ok: false, reason: "malformed" },
    },
    ...earlierRecordVectors(),
  ];
}

/** The record with its reason byte (before the presentation and the signature) set to `code`. */
function withReasonByte(record: SaleRecord, code: number): Uint8Array {
  const bytes = record.bytes.slice();
  const presentationBytes = 1 + (record.presentation === undefined ? 0 : 74);
  bytes[bytes.length - ED25519_SIGNATURE_BYTES - presentationBytes - 1] = code;
  return bytes;
}

function chainContext(anchor: ChainAnchor = GENESIS_ANCHOR) {
  return {
    terminalId: TERMINAL_ID,
    flight: FLIGHT,
    publicKeyHex: toHex(terminalKey.publicKey),
    anchor: { sequence: anchor.sequence, hashHex: toHex(anchor.hash) },
  };
}

function chainVectors() {
  const [r1, r2, r3, r4, r5, r6] = records as [SaleRecord, SaleRecord, SaleRecord, SaleRecord, SaleRecord, SaleRecord];
  const hex = (list: readonly (SaleRecord | Uint8Array)[]) => list.map((r) => toHex(r instanceof Uint8Array ? r : r.bytes));
  const layout = recordLayout(r3);
  const previousHashAt = layout.find((span) => span.field === "previousHash")!.start;
  const createdAtLastByte = layout.find((span) => span.field === "createdAt")!.end - 1;
  const broken = (index: number, sequence: number | null, reason: string) => ({ ok: false, index, sequence, reason });
  return [
    {
      name: "intact chain from genesis",
      records: hex(records),
      context: chainContext(),
      expected: { ok: true, head: { sequence: 6, hashHex: toHex(r6.hash) } },
    },
    {
      name: "continuation from an anchor",
      records: hex([r4, r5, r6]),
      context: chainContext({ sequence: 3, hash: r3.hash }),
      expected: { ok: true, head: { sequence: 6, hashHex: toHex(r6.hash) } },
    },
    {
      name: "a record that does not decode",
      records: hex([r1, r2.bytes.subarray(0, 40), r3]),
      context: chainContext(),
      expected: broken(1, null, "malformed"),
    },
    {
      name: "unknown record version",
      records: hex([r1, Uint8Array.from([9, ...r2.bytes.subarray(1)])]),
      context: chainContext(),
      expected: broken(1, null, "unsupported_version"),
    },
    {
      name: "another terminal's record spliced in",
      records: hex([r1, foreign[1]!]),
      context: chainContext(),
      expected: broken(1, 2, "wrong_terminal"),
    },
    {
      name: "a record of another flight",
      records: hex([r1, resign(r2, { flight: OTHER_FLIGHT })]),
      context: chainContext(),
      expected: broken(1, 2, "wrong_flight"),
    },
    { name: "a record twice", records: hex([r1, r2, r2, r3]), context: chainContext(), expected: broken(2, 2, "duplicate") },
    {
      name: "two different records with one sequence",
      records: hex([r1, r2, resign(r2, { crewId: "C1001" })]),
      context: chainContext(),
      expected: broken(2, 2, "fork"),
    },
    { name: "records swapped", records: hex([r1, r3, r2]), context: chainContext(), expected: broken(1, 3, "reorder") },
    { name: "a record dropped", records: hex([r1, r2, r4]), context: chainContext(), expected: broken(2, 4, "gap") },
    {
      name: "continuation from the wrong anchor",
      records: hex([r4, r5]),
      context: chainContext({ sequence: 3, hash: r2.hash }),
      expected: broken(0, 4, "altered"),
    },
    {
      name: "previous hash changed",
      records: hex([r1, r2, flip(r3.bytes, previousHashAt)]),
      context: chainContext(),
      expected: broken(2, 3, "altered"),
    },
    {
      name: "content changed, next record shows it",
      records: hex([r1, r2, flip(r3.bytes, createdAtLastByte), r4]),
      context: chainContext(),
      expected: broken(2, 3, "altered"),
    },
    {
      name: "re-signed with changes by the key holder",
      records: hex([r1, resign(r2, { trolleyId: "B" }), r3]),
      context: chainContext(),
      expected: broken(2, 3, "altered"),
    },
    {
      name: "signature changed",
      records: hex([r1, r2, flip(r3.bytes, -1), r4]),
      context: chainContext(),
      expected: broken(2, 3, "bad_signature"),
    },
    {
      name: "a sale after the service was closed",
      records: hex(closedChain),
      context: chainContext(),
      expected: broken(5, 6, "after_close"),
    },
    {
      name: "last record's content changed",
      records: hex([r1, r2, flip(r3.bytes, createdAtLastByte)]),
      context: chainContext(),
      expected: broken(2, 3, "bad_signature"),
    },
  ];
}

// ---- batches ----

function batchVectors() {
  const [r1, r2, r3, r4, r5] = records as [SaleRecord, SaleRecord, SaleRecord, SaleRecord, SaleRecord];
  const make = (list: SaleRecord[], previousHash: Uint8Array = GENESIS_HASH, signer: Signer = terminalKey) =>
    createBatch(
      { terminalId: TERMINAL_ID, flight: FLIGHT, firstSequence: list[0]!.sequence, previousHash, createdAtMs: DEPARTURE_MS + 3 * HOUR_MS },
      list,
      signer,
    );
  const context = (overrides: Record<string, unknown> = {}) => ({
    terminalId: TERMINAL_ID,
    flight: FLIGHT as FlightRef,
    publicKeyHex: toHex(terminalKey.publicKey),
    ...overrides,
  });
  const first = make([r1, r2, r3]);
  // A rogue terminal: records 4 and 5, but the header claims record 2 came before; re-signed.
  const rogue = make([r4, r5], r3.hash);
  rogue.set(r2.hash, 31);
  const rogueBody = rogue.subarray(0, rogue.length - 64);
  const relinked = concatBytes(rogueBody, terminalKey.sign(concatBytes(new TextEncoder().encode("CPB1"), rogueBody)));
  return [
    {
      name: "first batch",
      hex: toHex(first),
      context: context(),
      expected: { ok: true, firstSequence: 1, recordCount: 3, headHashHex: toHex(r3.hash) },
    },
    {
      name: "second batch",
      hex: toHex(make([r4, r5], r3.hash)),
      context: context(),
      expected: { ok: true, firstSequence: 4, recordCount: 2, headHashHex: toHex(r5.hash) },
    },
    {
      name: "truncated",
      hex: toHex(first.subarray(0, first.length - 1)),
      context: context(),
      expected: { ok: false, reason: "malformed" },
    },
    {
      name: "unknown version",
      hex: toHex(Uint8Array.from([2, ...first.subarray(1)])),
      context: context(),
      expected: { ok: false, reason: "unsupported_version" },
    },
    {
      name: "authenticated as another terminal",
      hex: toHex(first),
      context: context({ terminalId: OTHER_TERMINAL_ID }),
      expected: { ok: false, reason: "wrong_terminal" },
    },
    {
      name: "terminal enrolled for another flight",
      hex: toHex(first),
      context: context({ flight: OTHER_FLIGHT }),
      expected: { ok: false, reason: "wrong_flight" },
    },
    {
      name: "signed by another key",
      hex: toHex(make([r1, r2, r3], GENESIS_HASH, otherTerminalKey)),
      context: context(),
      expected: { ok: false, reason: "bad_signature" },
    },
    { name: "batch signature changed", hex: toHex(flip(first, -1)), context: context(), expected: { ok: false, reason: "bad_signature" } },
    {
      name: "a record missing inside",
      hex: toHex(make([r1, r3])),
      context: context(),
      expected: { ok: false, reason: "broken_chain", chain: { index: 1, reason: "gap" } },
    },
    {
      name: "header claims another predecessor",
      hex: toHex(relinked),
      context: context(),
      expected: { ok: false, reason: "broken_chain", chain: { index: 0, reason: "altered" } },
    },
  ];
}

// ---- manifests and PINs ----

function manifestVectors() {
  const manifest = signManifest(manifestContent(), manifestKey);
  const context = (overrides: Record<string, unknown> = {}) => ({
    manifestKeyHex: toHex(manifestKey.publicKey),
    nowMs: DEPARTURE_MS - HOUR_MS,
    clockToleranceMs: TOLERANCE_MS,
    flight: FLIGHT as FlightRef | null,
    ...overrides,
  });
  const summary = {
    ok: true,
    manifestId: manifest.manifestId,
    flight: manifest.flight,
    currency: manifest.currency,
    trolleys: manifest.trolleys,
    skus: manifest.catalog.map((item) => item.sku),
    trustedKeyIds: [issuerKey.keyId],
    revokedVoucherIds: manifest.revokedVoucherIds,
    crewIds: manifest.crew.map((member) => member.crewId),
    limits: manifest.limits,
    codePolicy: manifest.codePolicy,
    spendPolicy: manifest.spendPolicy,
    cabinTerminals: manifest.cabinTerminals,
  };
  const codesOnly = signManifest({ ...manifestContent(), codePolicy: "codes_only" }, manifestKey);
  const cabinTerminals = [
    { terminalId: "0193c190-0000-7000-8000-0000000000a1", trolleyId: "A" },
    { terminalId: "0193c190-0000-7000-8000-0000000000b2", trolleyId: "B" },
  ];
  const shared = signManifest({ ...manifestContent(), spendPolicy: "share", cabinTerminals }, manifestKey);
  return [
    { name: "sample flight", hex: toHex(manifest.bytes), context: context(), expected: summary },
    {
      name: "a flight that takes only phones' live codes",
      hex: toHex(codesOnly.bytes),
      context: context(),
      expected: { ...summary, manifestId: codesOnly.manifestId, codePolicy: "codes_only" },
    },
    {
      name: "a flight whose two trolleys share what each voucher has left while apart",
      hex: toHex(shared.bytes),
      context: context(),
      expected: { ...summary, manifestId: shared.manifestId, spendPolicy: "share", cabinTerminals },
    },
    { name: "no expected flight given", hex: toHex(manifest.bytes), context: context({ flight: null }), expected: summary },
    { name: "truncated", hex: toHex(manifest.bytes.subarray(0, 100)), context: context(), expected: { ok: false, reason: "malformed" } },
    {
      name: "unknown version",
      hex: toHex(Uint8Array.from([7, ...manifest.bytes.subarray(1)])),
      context: context(),
      expected: { ok: false, reason: "unsupported_version" },
    },
    {
      name: "signed by a key that is not the pinned ground key",
      hex: toHex(signManifest(manifestContent(), otherIssuerKey).bytes),
      context: context(),
      expected: { ok: false, reason: "unknown_key" },
    },
    {
      name: "a price changed",
      hex: toHex(flip(manifest.bytes, 200, 4)),
      context: context(),
      expected: { ok: false, reason: "bad_signature" },
    },
    {
      name: "another flight",
      hex: toHex(manifest.bytes),
      context: context({ flight: OTHER_FLIGHT }),
      expected: { ok: false, reason: "wrong_flight" },
    },
    {
      name: "issued in the future",
      hex: toHex(manifest.bytes),
      context: context({ nowMs: manifest.issuedAtMs - TOLERANCE_MS - 1 }),
      expected: { ok: false, reason: "not_yet_valid" },
    },
    {
      name: "expired",
      hex: toHex(manifest.bytes),
      context: context({ nowMs: manifest.expiresAtMs + TOLERANCE_MS + 1 }),
      expected: { ok: false, reason: "expired" },
    },
  ];
}

function pinVectors() {
  const json = (v: PinVerifier) => ({ log2N: v.log2N, r: v.r, p: v.p, saltHex: toHex(v.salt), hashHex: toHex(v.hash) });
  const purser = json(crewMember("C1001", "Li Na", "purser", "2468").pinVerifier);
  return [
    { name: "right PIN", pin: "2468", verifier: purser, expected: true },
    { name: "wrong PIN", pin: "2469", verifier: purser, expected: false },
    { name: "not digits", pin: "24a8", verifier: purser, expected: false },
    { name: "eight digits", pin: "12345678", verifier: json(crewMember("C9", "Chen Jie", "crew", "12345678").pinVerifier), expected: true },
  ];
}

function keyVectors() {
  const named: Record<string, Signer> = { issuerKey, otherIssuerKey, manifestKey, terminalKey, otherTerminalKey };
  const seeds: Record<string, string> = {
    issuerKey: "issuer-2026",
    otherIssuerKey: "issuer-untrusted",
    manifestKey: "ground-manifest",
    terminalKey: "terminal-A",
    otherTerminalKey: "terminal-B",
  };
  return Object.entries(named).map(([name, signer]) => ({
    name,
    secretKeyHex: toHex(seedKey(seeds[name]!)),
    publicKeyHex: toHex(signer.publicKey),
    keyId: signer.keyId,
  }));
}

function base45Vectors() {
  const utf8 = (s: string) => toHex(new TextEncoder().encode(s));
  return [
    { name: "RFC 9285 AB", bytesHex: utf8("AB"), text: "BB8" },
    { name: "RFC 9285 Hello!!", bytesHex: utf8("Hello!!"), text: "%69 VD92EX0" },
    { name: "RFC 9285 base-45", bytesHex: utf8("base-45"), text: "UJCLQE7W581" },
    { name: "RFC 9285 ietf!", bytesHex: utf8("ietf!"), text: "QED8WEX0" },
    { name: "empty", bytesHex: "", text: "" },
    { name: "dangling character", bytesHex: null, text: "BB8A" },
    { name: "triple above 65535", bytesHex: null, text: "GGW" },
    { name: "lower case", bytesHex: null, text: "bb8" },
  ];
}

// ---- rotating codes ----

const CODE_NOW_MS = DEPARTURE_MS + HOUR_MS + 7_000;
const CODE_TOLERANCE_MS = 30_000;

/** A code for the phone-bound voucher, signed at once (RFC 6979 signatures are deterministic). */
function codeOf(overrides: { counter?: number; periodS?: number; nowMs?: number } = {}, voucherBytes?: Uint8Array): string {
  const bytes = voucherBytes ?? issue({ devicePublicKey: phoneKey.publicKey }).bytes;
  const body = rotatingCodeBody(bytes, { nowMs: CODE_NOW_MS, periodS: 30, counter: 7, ...overrides }, phoneKey.publicKey);
  return rotatingCodeText(body, phoneKey.signSync(concatBytes(SIGNATURE_DOMAIN.rotatingCode, body)));
}

function codeContext(overrides: Record<string, unknown> = {}) {
  return { ...voucherContext({ nowMs: CODE_NOW_MS }), codeToleranceMs: CODE_TOLERANCE_MS, ...overrides };
}

function codeVectors() {
  const text = codeOf();
  const slotStartMs = Math.floor(CODE_NOW_MS / 30_000) * 30_000;
  const reject = (reason: string) => ({ ok: false, reason });
  const withByte = (at: number, xor: number) => {
    const bytes = base45Decode(text.slice(ROTATING_CODE_TEXT_PREFIX.length))!;
    return ROTATING_CODE_TEXT_PREFIX + base45Encode(flip(bytes, at, xor));
  };
  const accepted = { ok: true, code: { voucherId: voucherClaims().voucherId, slotStartMs, periodS: 30, counter: 7 } };
  return [
    { name: "a code in its slot", text, context: codeContext(), expected: accepted },
    { name: "the end of the slot plus the tolerance", text, context: codeContext({ nowMs: slotStartMs + 60_000 }), expected: accepted },
    {
      name: "a photograph two minutes old",
      text,
      context: codeContext({ nowMs: CODE_NOW_MS + 120_000 }),
      expected: reject("code_expired"),
    },
    {
      name: "a phone clock ahead of the terminal's by more than the tolerance",
      text,
      context: codeContext({ nowMs: slotStartMs - CODE_TOLERANCE_MS - 1 }),
      expected: reject("code_not_yet_valid"),
    },
    { name: "the counter changed after signing", text: withByte(-65, 1), context: codeContext(), expected: reject("bad_device_signature") },
    { name: "the signature changed", text: withByte(-1, 1), context: codeContext(), expected: reject("bad_device_signature") },
    {
      name: "the voucher inside was cancelled",
      text,
      context: codeContext({ revokedIds: [voucherClaims().voucherId] }),
      expected: reject("revoked"),
    },
    { name: "unknown version", text: withByte(0, 3), context: codeContext(), expected: reject("unsupported_version") },
    { name: "signed by another phone", text: impostorCode(), context: codeContext(), expected: reject("bad_device_signature") },
  ];
}

/** The phone-bound voucher's code, signed by some other phone's key. */
function impostorCode(): string {
  const body = rotatingCodeBody(
    issue({ devicePublicKey: phoneKey.publicKey }).bytes,
    { nowMs: CODE_NOW_MS, periodS: 30, counter: 7 },
    phoneKey.publicKey,
  );
  const other = createPortableDeviceSigner(seedKey("phone-OTHER"));
  return rotatingCodeText(body, other.signSync(concatBytes(SIGNATURE_DOMAIN.rotatingCode, body)));
}

// ---- device certificates and receipts ----

function receiptVectors() {
  const [sale] = chain(1);
  const certificate = certifyDevice(
    {
      terminalId: TERMINAL_ID,
      devicePublicKey: terminalKey.publicKey,
      terminalName: "Trolley A",
      issuedAtMs: DEPARTURE_MS - 24 * HOUR_MS,
      expiresAtMs: DEPARTURE_MS + 30 * 24 * HOUR_MS,
    },
    manifestKey,
  );
  const content = {
    kind: "sale" as const,
    recordId: sale!.recordId,
    voucherId: sale!.voucherId,
    flight: sale!.flight,
    createdAtMs: sale!.createdAtMs,
    currency: sale!.currency,
    lines: sale!.lines,
    capLeftMinor: 200_000 - sale!.totalMinor,
    capCurrency: "CNY" as const,
    sequence: sale!.sequence,
    recordHash: sale!.hash,
  };
  const text = makeReceipt(content, certificate.bytes, terminalKey);
  const groundKeys = [{ keyId: manifestKey.keyId, publicKeyHex: toHex(manifestKey.publicKey) }];
  const bytes = base45Decode(text.slice(RECEIPT_TEXT_PREFIX.length))!;
  // From the end: signature 64, certificate (u16 length + bytes), hash 32, sequence 4, cap currency 3, cap left 8; then the total.
  const totalLastByte = bytes.length - 64 - (2 + certificate.bytes.length) - 32 - 4 - 3 - 8 - 1;
  const reject = (reason: string) => ({ ok: false, reason });
  const lapsed = certifyDevice(
    { ...certificate, issuedAtMs: sale!.createdAtMs - HOUR_MS, expiresAtMs: sale!.createdAtMs - 1 },
    manifestKey,
  );
  return [
    {
      name: "a sale's receipt",
      text,
      context: { groundKeys },
      expected: {
        ok: true,
        receipt: {
          kind: "sale",
          recordId: sale!.recordId,
          voucherId: sale!.voucherId,
          totalMinor: sale!.totalMinor,
          capLeftMinor: content.capLeftMinor,
          sequence: 1,
          recordHashHex: toHex(sale!.hash),
          terminalId: TERMINAL_ID,
          terminalName: "Trolley A",
        },
      },
    },
    { name: "the ground key unknown", text, context: { groundKeys: [] }, expected: reject("unknown_ground_key") },
    {
      name: "the total changed",
      text: RECEIPT_TEXT_PREFIX + base45Encode(flip(bytes, totalLastByte, 1)),
      context: { groundKeys },
      expected: reject("malformed"),
    },
    {
      name: "the signature changed",
      text: RECEIPT_TEXT_PREFIX + base45Encode(flip(bytes, -1)),
      context: { groundKeys },
      expected: reject("bad_signature"),
    },
    {
      name: "a certificate that ran out before the sale",
      text: makeReceipt(content, lapsed.bytes, terminalKey),
      context: { groundKeys },
      expected: reject("certificate_expired"),
    },
  ];
}

export const VECTOR_FILES = {
  "keys.json": keyVectors,
  "base45.json": base45Vectors,
  "vouchers.json": voucherVectors,
  "records.json": recordVectors,
  "chains.json": chainVectors,
  "batches.json": batchVectors,
  "manifests.json": manifestVectors,
  "pins.json": pinVectors,
  "codes.json": codeVectors,
  "receipts.json": receiptVectors,
} as const;

export type VectorFile = keyof typeof VECTOR_FILES;

/** The text of every vector file, exactly as committed. */
export function renderVectorFiles(): Record<VectorFile, string> {
  const out = {} as Record<VectorFile, string>;
  for (const [file, build] of Object.entries(VECTOR_FILES) as [VectorFile, () => unknown[]][]) {
    out[file] = `${JSON.stringify({ format: "cabinpay-test-vectors/1", file, vectors: build() }, null, 2)}\n`;
  }
  return out;
}
