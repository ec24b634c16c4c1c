/**
 * The passenger's phone as witness, run against the test app: the receipts it would find missing
 * from the statement, by the web page's own rules (`receipt-check.ts`, `witness-match.ts`).
 */
import type { StatementDto } from "../../src/dto/statement.js";
import { checkReceipt } from "../../web/src/passenger/receipt-check.js";
import { notOnStatement } from "../../web/src/passenger/witness-match.js";
import { bearer, call } from "./actors.js";
import type { TestApp } from "./app.js";

/** The record ids of `receipts` (all checked good, for the passenger's one registration) the phone would send as missing. */
export async function receiptsNotOnStatement(t: TestApp, token: string, receipts: readonly string[]): Promise<string[]> {
  const statement: StatementDto = (await call(t.app, { method: "GET", url: "/me/statement", headers: bearer(token) }, 200)).json();
  if (statement.registrations.length !== 1) throw new Error(`expected one registration, got ${statement.registrations.length}`);
  const [registration] = statement.registrations;
  const url = `/registrations/${registration!.registrationId}/receipt-check`;
  const check = (await call(t.app, { method: "GET", url, headers: bearer(token) }, 200)).json();
  const checked = receipts.map((text) => checkReceipt(text, registration!.registrationId, check));
  const kept = checked.flatMap((c) => (c.ok ? [c] : []));
  if (kept.length !== receipts.length) throw new Error("a receipt did not check as the phone checks it");
  return notOnStatement(registration!.purchases, kept).map(({ receipt }) => receipt.recordId);
}
