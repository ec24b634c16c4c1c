/**
 * A terminal core selling in a loop in a process of its own, for the fault test that kills it: it
 * opens the terminal's data folder (enrolled, flight loaded), logs a crew member in and sells a
 * drink or a snack to each voucher in turn until it is killed, printing "approved <recordId>" only
 * once the sale has committed.
 * Usage: selling-terminal.ts <dataDir> <vouchers.json>
 */
import { readFileSync } from "node:fs";
import { createTerminalCore } from "@cabinpay/cabin-terminal/internal/core/api";

const [dataDir, vouchersFile] = process.argv.slice(2);
if (dataDir === undefined || vouchersFile === undefined) throw new Error("usage: selling-terminal.ts <dataDir> <vouchers.json>");
const vouchers = JSON.parse(readFileSync(vouchersFile, "utf8")) as string[];
const SKUS = ["DR-COF-300", "DR-TEA-301", "DR-WAT-304", "SN-NUT-200"];

const core = createTerminalCore({ dataDir });
const login = await core["crew/login"]({ crewId: "C1002", pin: "1357" });
if (!login.ok) throw new Error(`crew login failed: ${JSON.stringify(login)}`);
for (let i = 0; ; i++) {
  await core["cart/clear"]({});
  await core["cart/add"]({ sku: SKUS[i % SKUS.length]! });
  const result = await core["sale/charge"]({ voucherText: vouchers[i % vouchers.length]! });
  process.stdout.write(result.ok ? `approved ${result.receipt.recordId}\n` : `declined ${result.reason}\n`);
}
