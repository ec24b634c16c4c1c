/**
 * A stand-in for the cabin terminal core in ground tests: it makes records and batches with the
 * shared library exactly as a terminal does, signs them with its device key and uploads them with
 * signed requests. It does no offline checks of its own (the terminal core's job): tests use it to
 * send the ground anything a terminal could.
 */
import {
  createBatch,
  createRecord,
  decodeVoucherText,
  type FlightRef,
  GENESIS_HASH,
  NIL_UUID,
  newId,
  type RecordDraft,
  type SaleLine,
  type SaleRecord,
} from "@cabinpay/shared";
import type { LightMyRequestResponse } from "fastify";
import type { TestTerminal } from "./actors.js";
import type { TestApp } from "./app.js";

export const FLIGHT_9C8850: FlightRef = { carrier: "9C", number: "8850", date: "2026-12-01" };

export class CabinTerminal {
  readonly records: SaleRecord[] = [];

  constructor(
    private readonly t: TestApp,
    readonly terminal: TestTerminal,
    readonly flightId: string,
    readonly flight: FlightRef = FLIGHT_9C8850,
    readonly trolleyId = "A",
  ) {}

  sale(voucherText: string, lines: readonly SaleLine[], crewId = "C1002"): SaleRecord {
    const decoded = decodeVoucherText(voucherText);
    if (!decoded.ok) throw new Error(`not a voucher: ${decoded.reason}`);
    return this.append({ kind: "sale", crewId, voucherId: decoded.voucher.voucherId, lines, voucherBytes: decoded.bytes });
  }

  void(sale: SaleRecord, crewId = "C1001"): SaleRecord {
    return this.append({ kind: "void", crewId, voucherId: sale.voucherId, referencedRecordId: sale.recordId, lines: sale.lines });
  }

  close(crewId = "C1001"): SaleRecord {
    return this.append({ kind: "close", crewId, voucherId: NIL_UUID, lines: [] });
  }

  /** A signed batch of records `from` to `to` (1-based sequences, inclusive). */
  batch(from = 1, to = this.records.length): Uint8Array {
    const slice = this.records.slice(from - 1, to);
    return createBatch(
      {
        terminalId: this.terminal.terminalId,
        flight: this.flight,
        firstSequence: from,
        previousHash: this.records[from - 2]?.hash ?? GENESIS_HASH,
        createdAtMs: this.t.clock.nowMs,
      },
      slice,
      this.terminal.signer,
    );
  }

  upload(bytes: Uint8Array = this.batch()): Promise<LightMyRequestResponse> {
    return this.t.app.inject(this.terminal.request("POST", `/terminal/flights/${this.flightId}/batches`, { body: Buffer.from(bytes) }));
  }

  private append(draft: Pick<RecordDraft, "kind" | "crewId" | "voucherId" | "lines"> & Partial<RecordDraft>): SaleRecord {
    const sequence = this.records.length + 1;
    const record = createRecord(
      {
        recordId: newId(),
        terminalId: this.terminal.terminalId,
        flight: this.flight,
        sequence,
        previousHash: this.records.at(-1)?.hash ?? GENESIS_HASH,
        createdAtMs: this.t.clock.nowMs,
        trolleyId: this.trolleyId,
        currency: "CNY",
        ...draft,
      } as RecordDraft,
      this.terminal.signer,
    );
    this.records.push(record);
    return record;
  }
}
