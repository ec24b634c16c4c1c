/**
 * What a terminal may still approve for a voucher (cabin sync, issue 20), one rule for the
 * terminal and the cabin simulation (`test/bench/cabin.bench.ts`).
 *
 * In touch (it heard every other trolley of the flight recently), a terminal knows the cabin's
 * spend: the voucher may spend its cap less all of it, and no sale goes over the cap. Apart, the
 * flight's policy decides:
 * - `full`: each terminal still allows the cap less what it knows of (today's behaviour); the
 *   trolleys together may approve up to K times the cap, and the airline carries the excess;
 * - `share`: each of the K trolleys may approve only its share of what was unspent when it was
 *   last in touch, (cap − spent then) / K, less what it approved since. The shares add up to what
 *   was unspent: apart, the trolleys cannot go over the cap together; a passenger may be declined
 *   on one trolley with money left on another's share.
 */
export const SPEND_POLICIES = ["full", "share"] as const;
export type SpendPolicy = (typeof SPEND_POLICIES)[number];

export interface AllowanceInput {
  readonly policy: SpendPolicy;
  readonly capMinor: number;
  /** What this terminal approved less gave back for the voucher. */
  readonly spentHereMinor: number;
  /** What the other terminals' newest snapshots say they spent. */
  readonly spentElsewhereMinor: number;
  /** The flight's trolleys (K ≥ 1). */
  readonly trolleys: number;
  readonly inTouch: boolean;
  /** When this terminal was last in touch: what it had spent, and what the cabin had; none if never. */
  readonly lastInTouch?: { readonly spentHereMinor: number; readonly spentTotalMinor: number };
}

export function allowanceMinor(input: AllowanceInput): number {
  const known = input.capMinor - input.spentHereMinor - input.spentElsewhereMinor;
  if (input.inTouch || input.policy === "full") return Math.max(0, known);
  const trolleys = Math.max(1, Math.floor(input.trolleys));
  const then = input.lastInTouch ?? { spentHereMinor: 0, spentTotalMinor: 0 };
  const share = Math.floor(Math.max(0, input.capMinor - then.spentTotalMinor) / trolleys);
  const sinceMinor = input.spentHereMinor - then.spentHereMinor;
  return Math.max(0, Math.min(known, share - sinceMinor));
}
