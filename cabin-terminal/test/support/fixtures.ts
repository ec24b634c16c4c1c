/** Test material for the terminal core: a ground's keys, a manifest, an enrolled database. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  createNobleSigner,
  createPinVerifier,
  generateSecretKey,
  issueVoucher,
  type ManifestContent,
  money,
  newId,
  sha256,
  signManifest,
} from "@cabinpay/shared";
import { CREW, DEPARTURE_MS, FLIGHT_9C8850 as FLIGHT } from "@cabinpay/testkit/flight-9c8850";
import { type OpenedDatabase, openTerminalDatabase } from "../../src/core/db/open.js";
import { saveEnrolment } from "../../src/core/enrolment.js";
import { ChainGuard } from "../../src/core/integrity/anchor.js";
import { fileKeyStore } from "../../src/core/keys/key-store.js";

const seed = (label: string) => sha256(new TextEncoder().encode(`cabin test ${label}`));
export const groundManifestKey = createNobleSigner(seed("manifest"));
export const issuerKey = createNobleSigner(seed("issuer"));
export { DEPARTURE_MS, FLIGHT_9C8850 as FLIGHT } from "@cabinpay/testkit/flight-9c8850";

const PIN_COST = { log2N: 10, r: 8, p: 1 };

/** A fresh printed voucher for the test flight (100 CNY cap, valid a day either side of departure), with its id. */
export function printedVoucher() {
  const voucherId = newId();
  const issued = issueVoucher(
    {
      voucherId,
      accountRef: newId(),
      flight: FLIGHT,
      cap: money(100_000, "CNY"),
      validFromMs: DEPARTURE_MS - 86_400_000,
      validUntilMs: DEPARTURE_MS + 86_400_000,
      passengerName: "ZHANG/WEIMING MR",
      seat: "32A",
    },
    issuerKey,
  );
  return { ...issued, voucherId };
}

export function manifestContent(overrides: Partial<ManifestContent> = {}): ManifestContent {
  return {
    manifestId: newId(),
    flight: FLIGHT,
    currency: "CNY",
    issuedAtMs: DEPARTURE_MS - 6 * 3_600_000,
    expiresAtMs: DEPARTURE_MS + 24 * 3_600_000,
    limits: { capMinorMax: 200_000, saleMinorMax: 200_000, saleLinesMax: 20 },
    trolleys: ["A", "B"],
    catalog: [
      {
        sku: "DF-CHO-040",
        category: "duty_free",
        nameEn: "Chocolate Gift Box 300 g",
        nameZh: "巧克力礼盒 300克",
        priceMinor: 12_800,
        stockByTrolley: { A: 20, B: 20 },
      },
      {
        sku: "DF-WAT-020",
        category: "duty_free",
        nameEn: "Aviator Watch",
        nameZh: "飞行员手表",
        priceMinor: 128_000,
        stockByTrolley: { A: 2, B: 1 },
      },
      { sku: "DR-COF-300", category: "drink", nameEn: "Hot Coffee", nameZh: "热咖啡", priceMinor: 2_000, stockByTrolley: { A: 60, B: 60 } },
    ],
    trustedKeys: [issuerKey.publicKey],
    revokedVoucherIds: [],
    crew: [...CREW.map(({ crewId, name, role, pin }) => ({ crewId, name, role, pinVerifier: createPinVerifier(pin, PIN_COST) }))],
    rates: [],
    ...overrides,
  };
}

export function manifestBytes(overrides: Partial<ManifestContent> = {}, signer = groundManifestKey): Uint8Array {
  return signManifest(manifestContent(overrides), signer).bytes;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "cabinpay-terminal-"));
}

/** A terminal database on disk, enrolled with the test ground. */
export function enrolledDatabase(dir = tempDir()): OpenedDatabase & { path: string } {
  const path = join(dir, "terminal.db");
  const opened = openTerminalDatabase(path);
  saveEnrolment(
    opened.db,
    { terminalId: newId(), name: "Trolley A", groundUrl: "http://127.0.0.1:1", manifestPublicKey: groundManifestKey.publicKey },
    DEPARTURE_MS - 86_400_000,
  );
  return { ...opened, path };
}

/**
 * The chain guard of a terminal whose database is at `path`: a device key in a file store beside
 * it (made on first use), the anchor read and every chain checked, as the core does at start.
 */
export function guardBeside(opened: { db: OpenedDatabase["db"]; path: string }): ChainGuard {
  const keys = fileKeyStore(join(dirname(opened.path), "device.key"));
  if (keys.load() === undefined) keys.save(generateSecretKey());
  const guard = new ChainGuard(opened.db, keys);
  guard.open();
  return guard;
}
