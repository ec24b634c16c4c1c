/**
 * The money invariants of a whole flight, checked from three independent sources: what the
 * terminals recorded (the truth of the aisle), the ground's settlement of each record, and the
 * ledger (wallets, holds, totals). Pure: it takes the facts and returns every problem found, so a
 * test can also show that it notices a single lost or doubled debit.
 */

/** A sale as the terminal that made it holds it. */
export interface TerminalSale {
  readonly recordId: string;
  readonly voucherId: string;
  readonly totalMinor: number;
  readonly voided: boolean;
  readonly refundedMinor: number;
}

/** One settlement row of the ground, with its record's kind and voucher. */
export interface SettlementRow {
  readonly recordId: string;
  readonly kind: "sale" | "void" | "refund";
  readonly voucherId: string;
  readonly totalMinor: number;
  readonly status: string;
  /** For a settled sale: the registration the ground collected it from. */
  readonly registrationId: string | null;
  readonly fromHoldMinor: number;
  readonly fromBalanceMinor: number;
  readonly shortfallMinor: number;
  readonly reversedMinor: number;
}

export interface PassengerFacts {
  readonly name: string;
  /** The registration: the voucher's id. */
  readonly voucherId: string;
  readonly fundedMinor: number;
  /** The wallet as the ground states it after the flight closed. */
  readonly postedMinor: number;
  readonly heldMinor: number;
}

export interface FlightFacts {
  readonly sales: readonly TerminalSale[];
  readonly settlements: readonly SettlementRow[];
  readonly passengers: readonly PassengerFacts[];
  /** Every hold (pending transfer) of the flight's registrations, with how often it was resolved. */
  readonly holds: readonly { id: string; resolutions: number }[];
  /** The ledger's sums per currency (posted and pending): zero when it balances. */
  readonly ledger: readonly { currency: string; postedSumMinor: number; pendingSumMinor: number }[];
  /**
   * A sale amount in the accounts' currency: identity on a flight in the accounts' currency, else
   * the manifest's rate with the shared rounding rule (each record on its own).
   */
  readonly toAccountMinor?: (saleMinor: number) => number;
}

export function auditFlight(facts: FlightFacts): string[] {
  const problems: string[] = [];
  const account = facts.toAccountMinor ?? ((saleMinor: number) => saleMinor);
  const rowsById = new Map<string, SettlementRow[]>();
  for (const row of facts.settlements) rowsById.set(row.recordId, [...(rowsById.get(row.recordId) ?? []), row]);

  // Every approved sale settled exactly once, for exactly its price (debited or short).
  for (const sale of facts.sales) {
    const rows = (rowsById.get(sale.recordId) ?? []).filter((row) => row.kind === "sale");
    if (rows.length !== 1) {
      problems.push(`sale ${sale.recordId} settled ${rows.length} times`);
      continue;
    }
    const row = rows[0]!;
    if (row.status === "pending" || row.status === "failed") problems.push(`sale ${sale.recordId} is ${row.status}`);
    if (row.totalMinor !== sale.totalMinor)
      problems.push(`sale ${sale.recordId}: the ground has ${row.totalMinor}, the terminal ${sale.totalMinor}`);
    // Collected from the registration its voucher names, and no other (wallets below show credits).
    if (row.registrationId !== sale.voucherId) problems.push(`sale ${sale.recordId} was collected from registration ${row.registrationId}`);
    const accounted = row.fromHoldMinor + row.fromBalanceMinor + row.shortfallMinor;
    if (!sale.voided && sale.refundedMinor === 0 && accounted !== account(sale.totalMinor))
      problems.push(
        `sale ${sale.recordId} of ${sale.totalMinor}: debited ${row.fromHoldMinor + row.fromBalanceMinor}, short ${row.shortfallMinor}`,
      );
  }
  const sold = new Set(facts.sales.map((sale) => sale.recordId));
  for (const row of facts.settlements)
    if (row.kind === "sale" && !sold.has(row.recordId)) problems.push(`the ground settled a sale no terminal made: ${row.recordId}`);

  // Per passenger: debited exactly what was bought (net of voids and refunds) as far as the
  // funds went, the rest a shortfall; the wallet shows funding − debits and holds nothing.
  for (const passenger of facts.passengers) {
    const mine = facts.sales.filter((sale) => sale.voucherId === passenger.voucherId);
    // Exact for at most one refund per sale (the ground converts each refund on its own).
    const boughtMinor = mine.reduce((sum, sale) => sum + (sale.voided ? 0 : account(sale.totalMinor) - account(sale.refundedMinor)), 0);
    const expectedDebitMinor = Math.min(boughtMinor, passenger.fundedMinor);
    const rows = facts.settlements.filter((row) => row.voucherId === passenger.voucherId);
    const debitedMinor =
      rows.reduce((sum, row) => sum + (row.kind === "sale" ? row.fromHoldMinor + row.fromBalanceMinor : 0), 0) -
      rows.reduce((sum, row) => sum + row.reversedMinor, 0);
    const shortMinor = rows.reduce((sum, row) => sum + (row.kind === "sale" ? row.shortfallMinor : 0), 0);
    if (debitedMinor !== expectedDebitMinor)
      problems.push(`${passenger.name}: bought ${boughtMinor}, funded ${passenger.fundedMinor}, settled ${debitedMinor}`);
    if (shortMinor !== boughtMinor - expectedDebitMinor)
      problems.push(`${passenger.name}: shortfall ${shortMinor}, expected ${boughtMinor - expectedDebitMinor}`);
    if (passenger.postedMinor !== passenger.fundedMinor - expectedDebitMinor)
      problems.push(`${passenger.name}: wallet ${passenger.postedMinor}, expected ${passenger.fundedMinor} − ${expectedDebitMinor}`);
    if (passenger.heldMinor !== 0) problems.push(`${passenger.name}: ${passenger.heldMinor} still held after the flight closed`);
  }

  for (const hold of facts.holds) if (hold.resolutions !== 1) problems.push(`hold ${hold.id} resolved ${hold.resolutions} times`);
  for (const totals of facts.ledger)
    if (totals.postedSumMinor !== 0 || totals.pendingSumMinor !== 0)
      problems.push(`the ledger does not balance: ${JSON.stringify(totals)}`);
  return problems;
}
