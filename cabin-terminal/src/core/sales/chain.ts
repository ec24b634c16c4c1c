/**
 * Appending signed records to this terminal's chain for a flight, inside the caller's transaction:
 * in one step, or signed and inserted as two steps of a sale that overlaps them with its voucher check (sell.ts).
 */
import { createRecord, GENESIS_HASH, type RecordDraft, type SaleRecord, type Signer, type Voucher } from "@cabinpay/shared";
import { nodeSha256 } from "@cabinpay/shared/node";
import type { TerminalDb } from "../db/open.js";
import { salesStatements } from "./statements.js";

/** A record as its writer makes it: its place in the chain (sequence, previous hash) comes from the head. */
type Unplaced = Omit<RecordDraft, "sequence" | "previousHash">;

export function appendRecord(
  db: TerminalDb,
  draft: Unplaced,
  flightKey: string,
  signer: Signer,
  /** The sale's voucher as the scan decoded it: not decoded again. */
  voucher?: Voucher,
): SaleRecord {
  const record = signNext(db, draft, flightKey, signer, voucher);
  insertRecord(db, record, flightKey);
  return record;
}

/** The draft signed as the record after the chain's head: insert it in the same transaction. */
export function signNext(db: TerminalDb, draft: Unplaced, flightKey: string, signer: Signer, voucher?: Voucher): SaleRecord {
  const head = salesStatements(db).head.get(flightKey);
  return createRecord(
    { ...draft, sequence: (head?.sequence ?? 0) + 1, previousHash: head === undefined ? GENESIS_HASH : new Uint8Array(head.hash) },
    signer,
    { sha256: nodeSha256, ...(voucher === undefined ? {} : { voucher }) },
  );
}

export function insertRecord(db: TerminalDb, record: SaleRecord, flightKey: string): void {
  salesStatements(db).insertRecord.run(
    record.recordId,
    flightKey,
    record.sequence,
    record.kind,
    record.voucherId,
    record.referencedRecordId ?? null,
    record.crewId,
    record.currency,
    record.totalMinor,
    JSON.stringify(record.lines),
    record.reason ?? null,
    record.createdAtMs,
    Buffer.from(record.hash),
    Buffer.from(record.bytes),
  );
}
