/**
 * A terminal selling in a loop, for the crash-safety test: it opens the database given as its
 * argument, loads the test flight if needed, and sells until killed, printing "approved <recordId>"
 * only after each sale's transaction has committed.
 */
import { issueVoucher, money, newId } from "@cabinpay/shared";
import { createNodeSigner } from "@cabinpay/shared/node";
import { openTerminalDatabase } from "../../src/core/db/open.js";
import { type LoadedFlight, loadFlight, openFlight } from "../../src/core/flight/load.js";
import { charge } from "../../src/core/sales/sell.js";
import { DEPARTURE_MS, FLIGHT, issuerKey, manifestBytes } from "./fixtures.js";

const [path, secretHex] = process.argv.slice(2);
const { db } = openTerminalDatabase(path!);
const nowMs = DEPARTURE_MS + 3_600_000;
let flight: LoadedFlight;
try {
  flight = openFlight(db, "9C8850/2026-12-01");
} catch {
  // A full trolley of coffee: the child sells until it is killed, not until it runs out.
  const catalog = [
    {
      sku: "DR-COF-300",
      category: "drink",
      nameEn: "Hot Coffee",
      nameZh: "热咖啡",
      priceMinor: 2_000,
      stockByTrolley: { A: 65_535, B: 0 },
    },
  ];
  flight = loadFlight(db, { manifestBytes: manifestBytes({ catalog }), trolleyId: "A", nowMs: DEPARTURE_MS - 3_600_000 });
}
const signer = createNodeSigner(Buffer.from(secretHex!, "hex"));
const voucher = issueVoucher(
  {
    voucherId: newId(),
    accountRef: newId(),
    flight: FLIGHT,
    cap: money(100_000_000, "CNY"),
    validFromMs: DEPARTURE_MS - 86_400_000,
    validUntilMs: DEPARTURE_MS + 86_400_000,
    passengerName: "CRASH/TEST",
  },
  issuerKey,
).text;
const seller = { terminalId: "0193c1a0-0000-7000-8000-0000000000cc", signer, crew: { crewId: "C1002", role: "crew" as const }, newId };
for (;;) {
  const result = charge(db, flight, seller, [{ sku: "DR-COF-300", quantity: 1 }], voucher, nowMs);
  if (!result.ok) {
    process.stdout.write(`declined ${result.reason}\n`);
    break;
  }
  process.stdout.write(`approved ${result.receipt.recordId}\n`);
}
