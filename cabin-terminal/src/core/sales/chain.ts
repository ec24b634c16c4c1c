/** Appending signed records to this terminal's chain for a flight, inside the caller's transaction. */
import { createRecord, GENESIS_HASH, type RecordDraft, type SaleRecord, type Signer } from "@cabinpay/shared";
import { desc, eq } from "drizzle-orm";
import type { TerminalDb } from "../db/open.js";
import { records } from "../db/schema.js";

type Transaction = Parameters<Parameters<TerminalDb["transaction"]>[0]>[0];

export function appendRecord(
  tx: Transaction,
  draft: Omit<RecordDraft, "sequence" | "previousHash">,
  flightKey: string,
  signer: Signer,
): SaleRecord {
  const [head] = tx
    .select({ sequence: records.sequence, hash: records.hash })
    .from(records)
    .where(eq(records.flightKey, flightKey))
    .orderBy(desc(records.sequence))
    .limit(1)
    .all();
  const record = createRecord(
    { ...draft, sequence: (head?.sequence ?? 0) + 1, previousHash: head === undefined ? GENESIS_HASH : new Uint8Array(head.hash) },
    signer,
  );
  tx.insert(records)
    .values({
      recordId: record.recordId,
      flightKey,
      sequence: record.sequence,
      kind: record.kind,
      voucherId: record.voucherId,
      referencedRecordId: record.referencedRecordId ?? null,
      crewId: record.crewId,
      currency: record.currency,
      totalMinor: record.totalMinor,
      lines: JSON.stringify(record.lines),
      createdAtMs: record.createdAtMs,
      hash: Buffer.from(record.hash),
      bytes: Buffer.from(record.bytes),
    })
    .run();
  return record;
}
