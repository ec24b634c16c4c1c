/**
 * CPU time and memory read from Linux's /proc, for the benchmarks that say where a run's CPU went:
 * by process (the fleet burst) and, inside this process, the main thread apart from the others
 * (ingest: the event loop against the thread pool's verifications and V8's collector threads).
 * On a system without /proc the readers answer undefined and the benchmarks say "not measured".
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** Linux's USER_HZ, which /proc/<pid>/stat counts CPU time in. */
const CLOCK_TICKS_PER_S = 100;

export const HAS_PROC = existsSync("/proc/self/task");

/** Peak resident memory of a process so far (Linux `VmHWM`), in MiB. */
export function peakMemoryMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kiB = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return Math.round(kiB / 1024);
}

/** User + system seconds in a /proc stat line; with `reaped`, its exited children's too. */
function statCpuSeconds(stat: string, reaped: boolean): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const children = reaped ? Number(fields[13]) + Number(fields[14]) : 0;
  return (Number(fields[11]) + Number(fields[12]) + children) / CLOCK_TICKS_PER_S;
}

/**
 * CPU seconds (user + system) a process has used so far, and with `reaped` its children that have
 * exited (PostgreSQL's backends, once gone, count in the postmaster's); 0 once it is gone.
 */
export function cpuSecondsOf(pid: number, reaped = false): number {
  try {
    return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, "utf8"), reaped);
  } catch {
    return 0;
  }
}

function commandOf(pid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined; // gone since the listing
  }
}

/** CPU seconds of every process by command name among `commands` (all of a server's processes summed, exited ones too). */
export function cpuByCommand(commands: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const command = commandOf(entry);
    if (command !== undefined && commands.includes(command)) out[command] = (out[command] ?? 0) + cpuSecondsOf(Number(entry), true);
  }
  return out;
}

/** This process's CPU seconds so far: its main thread, and all its other threads together. */
export function threadCpuSeconds(): { main: number; others: number } | undefined {
  if (!HAS_PROC) return undefined;
  let main = 0;
  let others = 0;
  for (const thread of readdirSync("/proc/self/task")) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${thread}/stat`, "utf8");
    } catch {
      continue; // ended since the listing; its time is lost to both sides alike
    }
    if (thread === String(process.pid)) main += statCpuSeconds(stat, false);
    else others += statCpuSeconds(stat, false);
  }
  return { main, others };
}
