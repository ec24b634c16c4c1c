/** Finance's proof that the ledger balances, read in one snapshot. */
import type { Database } from "../db/client.js";
import { accountsOutOfBalance, ledgerTotals } from "../ledger/ledger.js";

export async function ledgerProof(db: Database) {
  return db.transaction(async (tx) => {
    const currencies = await ledgerTotals(tx);
    const outOfBalance = await accountsOutOfBalance(tx);
    const balanced = outOfBalance.length === 0 && currencies.every((c) => c.postedSumMinor === 0 && c.pendingSumMinor === 0);
    return { balanced, currencies, accountsOutOfBalance: outOfBalance };
  });
}
