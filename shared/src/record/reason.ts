/**
 * Why the purser voided or refunded a sale: chosen from this list on the terminal, signed in the
 * record (format v2, one byte), shown to finance and on the passenger's statement. A list rather
 * than free text so finance can count by reason and no passenger data lands in the chain.
 */

/** Code n is `REVERSAL_REASONS[n - 1]`; 0 on the wire means "no reason" (a sale or a close). */
export const REVERSAL_REASONS = ["wrong_item", "changed_mind", "charged_twice", "not_served", "damaged", "other"] as const;
export type ReversalReason = (typeof REVERSAL_REASONS)[number];

export function isReversalReason(value: unknown): value is ReversalReason {
  return typeof value === "string" && (REVERSAL_REASONS as readonly string[]).includes(value);
}

export function reversalReasonCode(reason: ReversalReason | undefined): number {
  return reason === undefined ? 0 : REVERSAL_REASONS.indexOf(reason) + 1;
}

/** The reason for a wire code; `undefined` for 0; `null` for a code no version defines. */
export function reversalReasonOf(code: number): ReversalReason | undefined | null {
  if (code === 0) return undefined;
  return REVERSAL_REASONS[code - 1] ?? null;
}
