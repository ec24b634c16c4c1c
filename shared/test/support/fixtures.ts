/**
 * Deterministic test material: fixed seeds, ids and times, so tests and the committed test vectors
 * are reproducible byte for byte (Ed25519 signatures are deterministic).
 */
import { readFileSync } from "node:fs";
import {
  type CatalogItem,
  type CrewMember,
  createNobleSigner,
  createPinVerifier,
  createPortableDeviceSigner,
  createRecord,
  createUuidV7Generator,
  type FlightRef,
  GENESIS_HASH,
  type IssuedVoucher,
  issueVoucher,
  type ManifestContent,
  money,
  NIL_UUID,
  type RecordDraft,
  type SaleRecord,
  type Signer,
  sha256,
  type VoucherClaims,
} from "@cabinpay/shared";

/** A 32-byte secret key derived from a label, so every run makes the same keys. */
export function seedKey(label: string): Uint8Array {
  return sha256(new TextEncoder().encode(`cabinpay test key: ${label}`));
}

export const issuerKey: Signer = createNobleSigner(seedKey("issuer-2026"));
export const otherIssuerKey: Signer = createNobleSigner(seedKey("issuer-untrusted"));
export const manifestKey: Signer = createNobleSigner(seedKey("ground-manifest"));
export const terminalKey: Signer = createNobleSigner(seedKey("terminal-A"));
export const otherTerminalKey: Signer = createNobleSigner(seedKey("terminal-B"));
/** A passenger's phone key (P-256, as WebCrypto makes it), deterministic for the vectors. */
export const phoneKey = createPortableDeviceSigner(seedKey("phone-ZHANG"));

export const FLIGHT: FlightRef = { carrier: "9C", number: "8850", date: "2026-12-01" };
export const OTHER_FLIGHT: FlightRef = { carrier: "9C", number: "8851", date: "2026-12-01" };
export const TERMINAL_ID = "0193c1a0-0000-7000-8000-00000000000a";
export const OTHER_TERMINAL_ID = "0193c1a0-0000-7000-8000-00000000000b";
/** 2026-12-01T07:25+08:00, the departure of 9C8850. */
export const DEPARTURE_MS = Date.UTC(2026, 10, 30, 23, 25);
export const HOUR_MS = 3_600_000;

/** Ids from a fixed clock and fixed randomness: reproducible and still valid UUIDv7. */
export function deterministicIds(startMs = DEPARTURE_MS): () => string {
  let counter = 0;
  return createUuidV7Generator({
    nowMs: () => startMs,
    randomBytes: (length) => {
      counter += 1;
      return sha256(new TextEncoder().encode(`ids ${startMs} ${counter}`)).slice(0, length);
    },
  });
}

export function voucherClaims(overrides: Partial<VoucherClaims> = {}): VoucherClaims {
  return {
    voucherId: "0193c19a-5c00-7000-8000-000000000001",
    accountRef: "0193c000-0000-7000-8000-0000000000aa",
    flight: FLIGHT,
    cap: money(200_000, "CNY"),
    validFromMs: DEPARTURE_MS - 24 * HOUR_MS,
    validUntilMs: DEPARTURE_MS + 24 * HOUR_MS,
    // A typical 20-character registration name.
    passengerName: "ZHANG/WEIMING MR ABC",
    seat: "32A",
    ...overrides,
  };
}

export function issue(overrides: Partial<VoucherClaims> = {}, signer: Signer = issuerKey): IssuedVoucher {
  return issueVoucher(voucherClaims(overrides), signer);
}

export interface CatalogRow {
  readonly sku: string;
  readonly nameEn: string;
  readonly nameZh: string;
  readonly category: string;
  readonly priceMinor: number;
  readonly trolleyA: number;
  readonly trolleyB: number;
}

/** The sample catalog from the brief (English and Chinese names, two trolleys). */
export function sampleCatalog(): CatalogRow[] {
  const text = readFileSync(new URL("../fixtures/catalog-sample.csv", import.meta.url), "utf8");
  const [, ...rows] = text.trim().split("\n");
  return rows.map((row) => {
    const [sku, nameEn, nameZh, category, price, , a, b] = row.split(",");
    return {
      sku: sku!,
      nameEn: nameEn!,
      nameZh: nameZh!,
      category: category!,
      priceMinor: Number(price),
      trolleyA: Number(a),
      trolleyB: Number(b),
    };
  });
}

/** Cheap scrypt cost for tests; production uses PIN_COST_DEFAULT. */
export const TEST_PIN_COST = { log2N: 10, r: 8, p: 1 } as const;

export function crewMember(crewId: string, name: string, role: CrewMember["role"], pin: string): CrewMember {
  const salt = sha256(new TextEncoder().encode(`salt ${crewId}`)).slice(0, 16);
  return { crewId, name, role, pinVerifier: createPinVerifier(pin, TEST_PIN_COST, salt) };
}

export function manifestContent(overrides: Partial<ManifestContent> = {}): ManifestContent {
  const catalog: CatalogItem[] = sampleCatalog().map((row) => ({
    sku: row.sku,
    category: row.category,
    nameEn: row.nameEn,
    nameZh: row.nameZh,
    priceMinor: row.priceMinor,
    stockByTrolley: { A: row.trolleyA, B: row.trolleyB },
  }));
  return {
    manifestId: "0193c190-0000-7000-8000-0000000000f1",
    flight: FLIGHT,
    currency: "CNY",
    issuedAtMs: DEPARTURE_MS - 6 * HOUR_MS,
    expiresAtMs: DEPARTURE_MS + 24 * HOUR_MS,
    limits: { capMinorMax: 200_000, saleMinorMax: 200_000, saleLinesMax: 20 },
    trolleys: ["A", "B"],
    catalog,
    trustedKeys: [issuerKey.publicKey],
    revokedVoucherIds: ["0193c19a-5c00-7000-8000-00000000dead"],
    crew: [crewMember("C1001", "Li Na", "purser", "2468"), crewMember("C1002", "Wang Fang", "crew", "1357")],
    rates: [],
    ...overrides,
  };
}

/**
 * A chain of `count` records for TERMINAL_ID on FLIGHT: sales, with a void of the first sale as
 * the fourth record when there are at least four, and a close record at `closeAt` if given.
 */
export function chain(count: number, signer: Signer = terminalKey, terminalId = TERMINAL_ID, closeAt?: number): SaleRecord[] {
  const voucher = issue();
  const nextId = deterministicIds(DEPARTURE_MS + HOUR_MS);
  const records: SaleRecord[] = [];
  for (let sequence = 1; sequence <= count; sequence++) {
    const previousHash = records.at(-1)?.hash ?? GENESIS_HASH;
    const isVoid = sequence === 4;
    const base = {
      recordId: nextId(),
      terminalId,
      flight: FLIGHT,
      sequence,
      previousHash,
      createdAtMs: DEPARTURE_MS + HOUR_MS + sequence * 60_000,
      crewId: "C1002",
      trolleyId: "A",
      voucherId: "0193c19a-5c00-7000-8000-000000000001",
      currency: "CNY",
    } as const;
    const draft: RecordDraft =
      sequence === closeAt
        ? { ...base, kind: "close", crewId: "C1001", voucherId: NIL_UUID, lines: [] }
        : isVoid
          ? { ...base, kind: "void", referencedRecordId: records[0]!.recordId, lines: records[0]!.lines, reason: "wrong_item" }
          : {
              ...base,
              kind: "sale",
              lines: [
                { sku: "DR-COF-300", quantity: 2, unitPriceMinor: 2000 },
                { sku: "ML-NOO-100", quantity: 1, unitPriceMinor: 4800 + sequence },
              ],
              voucherBytes: voucher.bytes,
            };
    records.push(createRecord(draft, signer));
  }
  return records;
}
