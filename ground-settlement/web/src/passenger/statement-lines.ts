/**
 * The statement's lines (browser, pure): each purchase, void and refund with its signed effect on
 * the wallet, so the lines add up to what was debited. One definition, asserted by the web tests:
 * a sale takes what was collected for it; a void or a refund gives back what it reversed.
 */
import type { StatementDto } from "../../../src/dto/statement.js";

type Registration = StatementDto["registrations"][number];
type Purchase = Registration["purchases"][number];

export interface StatementLine {
  readonly purchase: Purchase;
  /** Taken from the wallet (positive) or given back to it (negative), in the account's currency. */
  readonly signedMinor: number;
  /** Not yet settled: nothing moved for it yet. */
  readonly waiting: boolean;
}

export function statementLines(registration: Registration): StatementLine[] {
  return registration.purchases.map((purchase) => ({
    purchase,
    signedMinor: purchase.debitedMinor - purchase.refundedMinor,
    waiting: purchase.settlement === "pending",
  }));
}

/** What the lines add up to: the registration's `debitedMinor`, which the ground computes the same way. */
export function linesTotalMinor(lines: readonly StatementLine[]): number {
  return lines.reduce((total, line) => total + line.signedMinor, 0);
}
