/**
 * Group commit for settlement jobs. A worker holds several `settle/records` jobs at once; the
 * chunks of those waiting when a transaction can start are settled together in it (`settleChunks`),
 * up to `SETTLE_CHUNK_MAX` records, at most `SETTLE_TRANSACTIONS_MAX` transactions at a time. A
 * landing wave's uploads are a few hundred records each, and each transaction pays the same reads,
 * locks, ledger batch and commit whatever it holds: together, a wave pays them once per thousand
 * records rather than once per upload. Each job still names exactly its records and completes only
 * once they are committed; if settling together fails (a reversal whose sale is in a chunk not yet
 * settled, a chunk that overlaps another job's, a dropped connection), each chunk is settled alone,
 * as it would have been, and its job gets its own answer to retry or not.
 */
import { SETTLE_CHUNK_MAX } from "../services/outbox.js";
import type { ChunkResult } from "../services/settlement.js";

/** Transactions a worker runs at once: one commits while the next one reads (chosen by measurement: docs/performance.md). */
export const SETTLE_TRANSACTIONS_MAX = 2;

/** Settles chunks in one transaction, all or none; what each did, in the order given. */
export type SettleChunks = (chunks: readonly (readonly string[])[]) => Promise<ChunkResult[]>;

interface Waiting {
  readonly recordIds: readonly string[];
  readonly resolve: (result: ChunkResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A function that settles one job's chunk, together with the chunks of the jobs waiting beside it. */
export function settleTogether(settle: SettleChunks): (recordIds: readonly string[]) => Promise<ChunkResult> {
  const waiting: Waiting[] = [];
  let running = 0;
  const startWhatCan = (): void => {
    while (running < SETTLE_TRANSACTIONS_MAX && waiting.length > 0) {
      running += 1;
      void settleBatch(settle, takeBatch(waiting)).finally(() => {
        running -= 1;
        startWhatCan();
      });
    }
  };
  return (recordIds) =>
    new Promise<ChunkResult>((resolve, reject) => {
      if (recordIds.length === 0 || recordIds.length > SETTLE_CHUNK_MAX)
        throw new RangeError(`a chunk holds 1 to ${SETTLE_CHUNK_MAX} records, got ${recordIds.length}`);
      waiting.push({ recordIds, resolve, reject });
      startWhatCan();
    });
}

/** The longest run of waiting chunks, first come first, that fits one transaction. */
function takeBatch(waiting: Waiting[]): Waiting[] {
  const batch = [waiting.shift()!];
  let records = batch[0]!.recordIds.length;
  while (waiting.length > 0 && records + waiting[0]!.recordIds.length <= SETTLE_CHUNK_MAX) {
    records += waiting[0]!.recordIds.length;
    batch.push(waiting.shift()!);
  }
  return batch;
}

/** Never rejects: every waiting job gets its answer. */
async function settleBatch(settle: SettleChunks, batch: readonly Waiting[]): Promise<void> {
  if (batch.length > 1) {
    try {
      const results = await settle(batch.map((w) => w.recordIds));
      for (const [i, w] of batch.entries()) w.resolve(results[i]!);
      return;
    } catch {
      // Rolled back whole: nothing of it was stored. Each chunk alone below meets the same cause,
      // if it is its own, and its job reports and retries it.
    }
  }
  for (const w of batch) {
    try {
      const [result] = await settle([w.recordIds]);
      w.resolve(result!);
    } catch (error) {
      w.reject(error);
    }
  }
}
