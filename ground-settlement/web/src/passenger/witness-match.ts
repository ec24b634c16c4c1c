/**
 * Which kept receipts the statement lacks (browser). A receipt is on the statement when a purchase
 * has its record's hash: the hash covers the terminal, the chain position and every byte the
 * terminal signed. Not the record id: a terminal chooses it, and when another terminal's record
 * already holds it the ground keys the second record by an id of its own while the statement
 * shows the terminal's, so one id can stand for two records (docs/ground.md, upload after
 * landing). The ground's own check of a sent receipt (`matchOf`) goes by chain position and hash too.
 */
import { type Receipt, toHex } from "@cabinpay/shared";

export function notOnStatement<T extends { readonly receipt: Receipt }>(
  purchases: readonly { readonly recordHash: string }[],
  kept: readonly T[],
): T[] {
  const onStatement = new Set(purchases.map((purchase) => purchase.recordHash));
  return kept.filter(({ receipt }) => !onStatement.has(toHex(receipt.recordHash)));
}
