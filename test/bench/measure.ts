/** A small, honest timing loop: warm up, then count whole operations over a fixed wall time. */
import { performance } from "node:perf_hooks";

export interface Rate {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly meanMicros: number;
  readonly operations: number;
}

export function measure(name: string, operation: () => void, options: { warmupMs: number; durationMs: number }): Rate {
  const until = (deadline: number) => {
    let operations = 0;
    while (performance.now() < deadline) {
      // Batches of 16 keep the clock reads out of the figure for fast operations.
      for (let i = 0; i < 16; i++) operation();
      operations += 16;
    }
    return operations;
  };
  until(performance.now() + options.warmupMs);
  const start = performance.now();
  const operations = until(start + options.durationMs);
  const elapsedMs = performance.now() - start;
  return { name, operations, opsPerSecond: (operations / elapsedMs) * 1000, meanMicros: (elapsedMs * 1000) / operations };
}

export function printTable(title: string, rows: readonly Rate[], note?: (row: Rate) => string): void {
  const width = Math.max(...rows.map((row) => row.name.length), 10);
  console.log(`\n${title}`);
  console.log(`${"".padEnd(width)}  ${"ops/s".padStart(10)}  ${"µs/op".padStart(8)}  ${"ops run".padStart(9)}`);
  for (const row of rows) {
    const extra = note === undefined ? "" : `  ${note(row)}`;
    console.log(
      `${row.name.padEnd(width)}  ${Math.round(row.opsPerSecond).toLocaleString("en-US").padStart(10)}  ${row.meanMicros.toFixed(1).padStart(8)}  ${row.operations.toLocaleString("en-US").padStart(9)}${extra}`,
    );
  }
}
