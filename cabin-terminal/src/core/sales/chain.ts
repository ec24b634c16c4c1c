/** Appending signed records to this terminal's chain for a flight, inside the caller's transaction. */
import { createRecord, GENESIS_HASH, type RecordDraft, type SaleRecord, type Signer, type Voucher } from "@cabinpay/shared";
import { nodeSha256 } from "@cabinpay/shared/node";
import type { TerminalDb } from "../db/open.js";
import { salesStatements } from "./statements.js";

export function appendRecord(
  db: TerminalDb,
  draft: Omit<RecordDraft, "sequence" | "previousHash">,
  flightKey: string,
  signer: Signer,
  /** The sale's voucher as the scan decoded it: not decoded again. */
  voucher?: Voucher,
): SaleRecord {
  const statements = salesStatements(db);
  const head = statements.head.get(flightKey);
  const record = createRecord(
    { ...draft, sequence: (head?.sequence ?? 0) + 1, previousHash: head === undefined ? GENESIS_HASH : new Uint8Array(head.hash) },
    signer,
    { sha256: nodeSha256, ...(voucher === undefined ? {} : { voucher }) },
  );
  statements.insertRecord.run(
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
  return record;
}
