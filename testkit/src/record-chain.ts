/**
 * A terminal's chain of records, made with the shared library exactly as a terminal makes them and
 * signed with its device key, with no offline checks of its own (the terminal core's job): tests
 * use it to send the ground anything a terminal could, over `inject` or real HTTP.
 */
import {
  createBatch,
  createRecord,
  decodeRotatingCode,
  decodeVoucherText,
  type FlightRef,
  GENESIS_HASH,
  makeReceipt,
  NIL_UUID,
  newId,
  type RecordDraft,
  receiptContentOf,
  type SaleLine,
  type SaleRecord,
  type Signer,
} from "@cabinpay/shared";

export class RecordChain {
  readonly records: SaleRecord[] = [];
  /** What the flight sells in: its records are in it. */
  saleCurrency: RecordDraft["currency"] = "CNY";

  constructor(
    readonly identity: { readonly terminalId: string; readonly signer: Signer },
    readonly flight: FlightRef,
    readonly trolleyId: string,
    /** The terminal's clock, which stamps its records and batches. */
    readonly nowMs: () => number,
  ) {}

  /** `overrides` make what a terminal with a leaked key could sign: another terminal's record id, … */
  sale(voucherText: string, lines: readonly SaleLine[], crewId = "C1002", overrides: Partial<RecordDraft> = {}): SaleRecord {
    const decoded = decodeVoucherText(voucherText);
    if (!decoded.ok) throw new Error(`not a voucher: ${decoded.reason}`);
    return this.append({ kind: "sale", crewId, voucherId: decoded.voucher.voucherId, lines, voucherBytes: decoded.bytes, ...overrides });
  }

  /** A sale paid with a phone's rotating code: the voucher inside and the code's presentation, as the terminal keeps them. */
  saleWithCode(codeText: string, lines: readonly SaleLine[], crewId = "C1002"): SaleRecord {
    const decoded = decodeRotatingCode(codeText);
    if (!decoded.ok) throw new Error(`not a rotating code: ${decoded.reason}`);
    const { voucher, voucherBytes, slotStartMs, periodS, counter, signature } = decoded.code;
    const presentation = { slotStartMs, periodS, counter, signature };
    return this.append({ kind: "sale", crewId, voucherId: voucher.voucherId, lines, voucherBytes, presentation });
  }

  /** `overrides` make what a terminal with a leaked key could sign: another voucher, currency, … */
  void(sale: SaleRecord, crewId = "C1001", overrides: Partial<RecordDraft> = {}): SaleRecord {
    return this.append({
      kind: "void",
      crewId,
      voucherId: sale.voucherId,
      referencedRecordId: sale.recordId,
      lines: sale.lines,
      reason: "wrong_item",
      ...overrides,
    });
  }

  refund(sale: SaleRecord, lines: readonly SaleLine[], crewId = "C1001", overrides: Partial<RecordDraft> = {}): SaleRecord {
    const reversal = { referencedRecordId: sale.recordId, reason: "damaged" } as const;
    return this.append({ kind: "refund", crewId, voucherId: sale.voucherId, ...reversal, lines, ...overrides });
  }

  close(crewId = "C1001"): SaleRecord {
    return this.append({ kind: "close", crewId, voucherId: NIL_UUID, lines: [] });
  }

  /** The receipt the terminal shows for `record`, signed with its key under the ground's `certificate`. */
  receipt(record: SaleRecord, capLeftMinor: number, certificate: Uint8Array): string {
    const content = receiptContentOf(record, { leftMinor: capLeftMinor, currency: this.saleCurrency });
    return makeReceipt(content, certificate, this.identity.signer);
  }

  /** A signed batch of records `from` to `to` (1-based sequences, inclusive). */
  batch(from = 1, to = this.records.length): Uint8Array {
    return createBatch(
      {
        terminalId: this.identity.terminalId,
        flight: this.flight,
        firstSequence: from,
        previousHash: this.records[from - 2]?.hash ?? GENESIS_HASH,
        createdAtMs: this.nowMs(),
      },
      this.records.slice(from - 1, to),
      this.identity.signer,
    );
  }

  private append(draft: Pick<RecordDraft, "kind" | "crewId" | "voucherId" | "lines"> & Partial<RecordDraft>): SaleRecord {
    const record = createRecord(
      {
        recordId: newId(),
        terminalId: this.identity.terminalId,
        flight: this.flight,
        sequence: this.records.length + 1,
        previousHash: this.records.at(-1)?.hash ?? GENESIS_HASH,
        createdAtMs: this.nowMs(),
        trolleyId: this.trolleyId,
        currency: this.saleCurrency,
        ...draft,
      } as RecordDraft,
      this.identity.signer,
    );
    this.records.push(record);
    return record;
  }
}
