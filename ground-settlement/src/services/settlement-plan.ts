/**
 * The settlement plan: pure, no database. Given a chunk of records (one terminal, one flight,
 * sequence order), the vouchers' holds, the wallets' available balances and the sales reversed by
 * the chunk but settled before it, works out record by record what each collects or gives back,
 * and the one batch of ledger transfers that moves exactly that:
 *
 * - A sale takes what it can from its voucher's current hold (posted for that part, the rest held
 *   again, so each hold is still resolved once); what the hold cannot cover comes from the wallet's
 *   available balance; what that cannot cover is a shortfall for finance.
 * - A void or refund gives back what its sale collected, to the registration the sale was collected
 *   from (never to whatever voucher the reversal names); what was never collected is forgiven.
 *
 * Transfer ids are derived from the records, so applying a plan twice finds its own transfers.
 * `settlement.ts` loads the inputs under locks and applies the plan.
 */

import type { RecordKind } from "@cabinpay/shared";
import type { SettlementStatus } from "../db/schema/uploads.js";
import { derivedId } from "../ids.js";
import type { TransferInput } from "../ledger/ledger.js";

export interface PlanRecord {
  readonly id: string;
  /** A sale, or a void or refund naming its sale (closes have no settlement). */
  readonly kind: RecordKind;
  readonly flightId: string;
  readonly voucherId: string;
  readonly referencedRecordId: string | null;
  readonly currency: string;
  readonly totalMinor: number;
}

export interface PlanVoucher {
  readonly registrationId: string;
  readonly flightId: string;
  readonly walletAccountId: string;
  /** The account's currency (a CNY registration on a HKD leg): every amount below is in it. */
  readonly currency: string;
  /** The hold sales take from, if it can still be posted. */
  readonly hold: { readonly id: string; readonly amountMinor: number; readonly expiresAtMs: number | null } | undefined;
}

export interface PlanWallet {
  readonly accountId: string;
  readonly currency: string;
  readonly availableMinor: number;
}

/** The airline's holds and revenue accounts of one currency. */
export interface AirlineAccounts {
  readonly holdsAccountId: string;
  readonly revenueAccountId: string;
}

/** A record's settlement as stored; `givenBackMinor` (a sale's refunds so far) is not stored. */
export interface Outcome {
  readonly recordId: string;
  readonly status: SettlementStatus;
  /** For a sale: the registration it was collected from (null if none was found). */
  readonly registrationId: string | null;
  readonly fromHoldMinor: number;
  readonly fromBalanceMinor: number;
  readonly shortfallMinor: number;
  /** For a void or refund: what it gave back. */
  readonly reversedMinor: number;
  readonly givenBackMinor: number;
  readonly reason: string | null;
}

export interface PlanInput {
  /** The chunk's pending records, in sequence order. */
  readonly records: readonly PlanRecord[];
  /** By registration id: every voucher a sale names and every registration a reversed sale was collected from. */
  readonly vouchers: ReadonlyMap<string, PlanVoucher>;
  readonly wallets: ReadonlyMap<string, PlanWallet>;
  /** Sales reversed by the chunk but settled in an earlier one, with what was given back so far. */
  readonly settledSales: ReadonlyMap<string, Outcome>;
  /** By currency: every voucher's and every record's currency. */
  readonly airline: ReadonlyMap<string, AirlineAccounts>;
  /** A record's total in an account currency; undefined when the flight has no rate into it. */
  readonly inAccount: (record: PlanRecord, accountCurrency: string) => number | undefined;
}

export interface Plan {
  readonly kind: "plan";
  readonly transfers: readonly TransferInput[];
  /** The chunk's records and the earlier sales it reversed, as they are to be stored. */
  readonly outcomes: readonly Outcome[];
  /** Each voucher whose hold was posted: the hold sales take from next (null when used up). */
  readonly holdUpdates: readonly { readonly registrationId: string; readonly currentHoldId: string | null }[];
}

/** The chunk cannot be settled yet (a reversal before its sale is settled): retried later. */
export interface NotYet {
  readonly kind: "not_yet";
  readonly reason: string;
}

/** What the chunk did to one voucher and one wallet, summed over its records. */
interface Tally {
  readonly postedMinor: Map<string, number>;
  readonly firstPostRecordId: Map<string, string>;
  readonly balanceDebitMinor: Map<string, number>;
  readonly firstBalanceRecordId: Map<string, string>;
  readonly reversedMinor: Map<string, number>;
  readonly firstReverseRecordId: Map<string, string>;
  readonly availableMinor: Map<string, number>;
}

export function planSettlement(input: PlanInput): Plan | NotYet {
  const tally: Tally = {
    postedMinor: new Map(),
    firstPostRecordId: new Map(),
    balanceDebitMinor: new Map(),
    firstBalanceRecordId: new Map(),
    reversedMinor: new Map(),
    firstReverseRecordId: new Map(),
    availableMinor: new Map([...input.wallets.values()].map((w) => [w.accountId, w.availableMinor])),
  };
  const outcomes = new Map<string, Outcome>();
  const sales = new Map(input.settledSales);
  for (const record of input.records) {
    if (record.kind === "sale") {
      const outcome = planSale(input, tally, record);
      outcomes.set(record.id, outcome);
      sales.set(record.id, outcome);
      continue;
    }
    const reversal = planReversal(input, tally, sales, record);
    if (reversal.kind === "not_yet") return reversal;
    outcomes.set(record.id, reversal.outcome);
    sales.set(reversal.sale.recordId, reversal.sale);
    if (outcomes.has(reversal.sale.recordId)) outcomes.set(reversal.sale.recordId, reversal.sale);
  }
  const earlier = [...input.settledSales.keys()].map((id) => sales.get(id)!);
  return {
    kind: "plan",
    transfers: transfersOf(input, tally),
    outcomes: [...outcomes.values(), ...earlier],
    holdUpdates: holdUpdatesOf(input, tally),
  };
}

function add(map: Map<string, number>, key: string, amountMinor: number): void {
  map.set(key, (map.get(key) ?? 0) + amountMinor);
}

function planSale(input: PlanInput, tally: Tally, record: PlanRecord): Outcome {
  const voucher = input.vouchers.get(record.voucherId);
  const wallet = voucher === undefined ? undefined : input.wallets.get(voucher.walletAccountId);
  // Ingest checked both; a registration of another flight, or in a currency the flight has no
  // rate into, is never collected from.
  const totalMinor = voucher === undefined ? undefined : input.inAccount(record, voucher.currency);
  if (voucher === undefined || wallet === undefined || voucher.flightId !== record.flightId || totalMinor === undefined) {
    return {
      ...NOTHING,
      recordId: record.id,
      status: "failed",
      reason: `no registration of this flight and currency for voucher ${record.voucherId}`,
    };
  }
  const postedMinor = tally.postedMinor.get(voucher.registrationId) ?? 0;
  const holdLeftMinor = voucher.hold === undefined ? 0 : voucher.hold.amountMinor - postedMinor;
  const fromHoldMinor = Math.min(totalMinor, holdLeftMinor);
  if (fromHoldMinor > 0) {
    add(tally.postedMinor, voucher.registrationId, fromHoldMinor);
    if (!tally.firstPostRecordId.has(voucher.registrationId)) tally.firstPostRecordId.set(voucher.registrationId, record.id);
  }
  // Over the cap (spent on two terminals, say) or no hold left: the available balance.
  const restMinor = totalMinor - fromHoldMinor;
  const fromBalanceMinor = Math.max(0, Math.min(restMinor, tally.availableMinor.get(wallet.accountId)!));
  if (fromBalanceMinor > 0) {
    add(tally.availableMinor, wallet.accountId, -fromBalanceMinor);
    add(tally.balanceDebitMinor, wallet.accountId, fromBalanceMinor);
    if (!tally.firstBalanceRecordId.has(wallet.accountId)) tally.firstBalanceRecordId.set(wallet.accountId, record.id);
  }
  const shortfallMinor = restMinor - fromBalanceMinor;
  return {
    ...NOTHING,
    recordId: record.id,
    status: shortfallMinor > 0 ? "shortfall" : "debited",
    registrationId: voucher.registrationId,
    fromHoldMinor,
    fromBalanceMinor,
    shortfallMinor,
    reason: shortfallMinor > 0 ? `${shortfallMinor} not covered by the hold or the balance` : null,
  };
}

const NOTHING = {
  registrationId: null,
  fromHoldMinor: 0,
  fromBalanceMinor: 0,
  shortfallMinor: 0,
  reversedMinor: 0,
  givenBackMinor: 0,
  reason: null,
} as const;

function planReversal(
  input: PlanInput,
  tally: Tally,
  sales: ReadonlyMap<string, Outcome>,
  record: PlanRecord,
): NotYet | { kind: "reversal"; outcome: Outcome; sale: Outcome } {
  const sale = sales.get(record.referencedRecordId!);
  if (sale === undefined || sale.status === "pending")
    return { kind: "not_yet", reason: `sale ${record.referencedRecordId} is not settled yet` };
  // Settled by another chunk after this one read who it was collected from: not locked here.
  if (sale.registrationId !== null && !input.vouchers.has(sale.registrationId))
    return { kind: "not_yet", reason: `sale ${record.referencedRecordId} was settled meanwhile: settle its reversal again` };
  const voucher = sale.registrationId === null ? undefined : input.vouchers.get(sale.registrationId);
  const wallet = voucher === undefined ? undefined : input.wallets.get(voucher.walletAccountId);
  // In the account's currency, converted as its sale was: a void gives back exactly what the sale took.
  const totalMinor = voucher === undefined ? 0 : (input.inAccount(record, voucher.currency) ?? 0);
  const forgivenMinor = Math.min(totalMinor, sale.shortfallMinor);
  const collectedMinor = sale.fromHoldMinor + sale.fromBalanceMinor - sale.givenBackMinor;
  const refundMinor = wallet === undefined ? 0 : Math.min(totalMinor - forgivenMinor, collectedMinor);
  const shortfallMinor = sale.shortfallMinor - forgivenMinor;
  const settledSale: Outcome = {
    ...sale,
    shortfallMinor,
    givenBackMinor: sale.givenBackMinor + refundMinor,
    status: sale.status === "shortfall" && shortfallMinor === 0 ? "debited" : sale.status,
  };
  if (refundMinor > 0 && wallet !== undefined) {
    add(tally.availableMinor, wallet.accountId, refundMinor);
    add(tally.reversedMinor, wallet.accountId, refundMinor);
    if (!tally.firstReverseRecordId.has(wallet.accountId)) tally.firstReverseRecordId.set(wallet.accountId, record.id);
  }
  return {
    kind: "reversal",
    outcome: { ...NOTHING, recordId: record.id, status: "reversed", reversedMinor: refundMinor },
    sale: settledSale,
  };
}

function airlineOf(input: PlanInput, currency: string): AirlineAccounts {
  const accounts = input.airline.get(currency);
  if (accounts === undefined) throw new Error(`settlement plan: no airline accounts in ${currency}`);
  return accounts;
}

/** Per voucher the hold posted and re-held, per wallet the balance given back or taken, per currency the posted holds moved to revenue. */
function transfersOf(input: PlanInput, tally: Tally): TransferInput[] {
  return [
    ...holdTransfers(input, tally),
    ...[...input.wallets.values()].flatMap((wallet) => walletTransfers(input, tally, wallet)),
    ...revenueTransfers(input, tally),
  ];
}

function holdTransfers(input: PlanInput, tally: Tally): TransferInput[] {
  return [...tally.postedMinor].flatMap(([registrationId, postedMinor]): TransferInput[] => {
    const voucher = input.vouchers.get(registrationId)!;
    const hold = voucher.hold!;
    const firstRecordId = tally.firstPostRecordId.get(registrationId)!;
    const post: TransferInput = {
      kind: "post",
      id: derivedId(`post:${firstRecordId}`),
      pendingId: hold.id,
      amountMinor: postedMinor,
      code: "sale",
      reference: firstRecordId,
    };
    const leftMinor = hold.amountMinor - postedMinor;
    if (leftMinor === 0) return [post];
    const rehold: TransferInput = {
      kind: "pending",
      id: derivedId(`rehold:${firstRecordId}`),
      debitAccountId: voucher.walletAccountId,
      creditAccountId: airlineOf(input, voucher.currency).holdsAccountId,
      amountMinor: leftMinor,
      currency: voucher.currency,
      ...(hold.expiresAtMs === null ? {} : { expiresAtMs: hold.expiresAtMs }),
      code: "hold",
      reference: registrationId,
    };
    return [post, rehold];
  });
}

/** Given back before taken: a sale may spend what a void earlier in the chunk gave back. */
function walletTransfers(input: PlanInput, tally: Tally, wallet: PlanWallet): TransferInput[] {
  const { revenueAccountId } = airlineOf(input, wallet.currency);
  const back = { name: "reverse", code: "void", debitAccountId: revenueAccountId, creditAccountId: wallet.accountId } as const;
  const taken = { name: "balance", code: "sale_over_hold", debitAccountId: wallet.accountId, creditAccountId: revenueAccountId } as const;
  const moves = [
    {
      ...back,
      amountMinor: tally.reversedMinor.get(wallet.accountId) ?? 0,
      firstRecordId: tally.firstReverseRecordId.get(wallet.accountId),
    },
    {
      ...taken,
      amountMinor: tally.balanceDebitMinor.get(wallet.accountId) ?? 0,
      firstRecordId: tally.firstBalanceRecordId.get(wallet.accountId),
    },
  ];
  return moves
    .filter((move) => move.amountMinor > 0)
    .map(({ name, firstRecordId, ...move }) => ({
      ...move,
      kind: "single",
      currency: wallet.currency,
      id: derivedId(`${name}:${firstRecordId!}`),
      reference: firstRecordId!,
    }));
}

function revenueTransfers(input: PlanInput, tally: Tally): TransferInput[] {
  const postedByCurrency = new Map<string, number>();
  for (const [registrationId, postedMinor] of tally.postedMinor)
    add(postedByCurrency, input.vouchers.get(registrationId)!.currency, postedMinor);
  const chunkId = input.records[0]!.id;
  return [...postedByCurrency]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, postedMinor]) => {
      const { holdsAccountId, revenueAccountId } = airlineOf(input, currency);
      return {
        kind: "single",
        id: derivedId(`revenue:${chunkId}:${currency}`),
        debitAccountId: holdsAccountId,
        creditAccountId: revenueAccountId,
        amountMinor: postedMinor,
        currency,
        code: "sale",
        reference: chunkId,
      };
    });
}

function holdUpdatesOf(input: PlanInput, tally: Tally): Plan["holdUpdates"] {
  return [...tally.postedMinor].map(([registrationId, postedMinor]) => {
    const voucher = input.vouchers.get(registrationId)!;
    const leftMinor = voucher.hold!.amountMinor - postedMinor;
    return { registrationId, currentHoldId: leftMinor > 0 ? derivedId(`rehold:${tally.firstPostRecordId.get(registrationId)!}`) : null };
  });
}
