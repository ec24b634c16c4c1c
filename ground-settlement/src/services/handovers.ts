/**
 * The purser's handover per leg and trolley: the seal numbers read at the service's open and close
 * and the stock the terminal counted at the close, reported after its close record arrived. The
 * ground checks it against its own records: the stock left it computes, and the seal the trolley
 * closed the leg before with (an intact seal across a turnaround shows nobody opened the trolley).
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { terminals } from "../db/schema/terminals.js";
import { terminalChains, trolleyHandovers } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import { legStock } from "./leg-stock.js";
import { legOf } from "./rotations.js";

export interface HandoverReport {
  readonly trolleyId: string;
  readonly sealAtOpen: string | null;
  readonly sealAtClose: string | null;
  readonly stockLeft: readonly { sku: string; quantity: number }[];
}

export async function recordHandover(
  db: Database,
  input: { terminalId: string; flightId: string; assignedTrolleyId: string | null; report: HandoverReport; nowMs: number },
): Promise<void> {
  const { report } = input;
  if (input.assignedTrolleyId !== null && report.trolleyId !== input.assignedTrolleyId)
    throw new ApiError("validation_failed", `this terminal sells from trolley ${input.assignedTrolleyId}, not ${report.trolleyId}`);
  const [chain] = await db
    .select({ closedAtMs: terminalChains.closedAtMs })
    .from(terminalChains)
    .where(and(eq(terminalChains.terminalId, input.terminalId), eq(terminalChains.flightId, input.flightId)));
  if (chain?.closedAtMs === null || chain === undefined)
    throw new ApiError("service_open", "upload the records up to the service's close first: the handover is made at the close");
  const row = {
    trolleyId: report.trolleyId,
    sealAtOpen: report.sealAtOpen,
    sealAtClose: report.sealAtClose,
    stockLeft: [...report.stockLeft],
    receivedAtMs: input.nowMs,
  };
  await db
    .insert(trolleyHandovers)
    .values({ terminalId: input.terminalId, flightId: input.flightId, ...row })
    .onConflictDoUpdate({ target: [trolleyHandovers.terminalId, trolleyHandovers.flightId], set: row });
}

/** Each trolley's handover on the flight, with what does not match the ground's own records. */
export async function handoversOf(db: Database, flightId: string) {
  const rows = await db
    .select({ handover: trolleyHandovers, terminalName: terminals.name })
    .from(trolleyHandovers)
    .innerJoin(terminals, eq(terminals.id, trolleyHandovers.terminalId))
    .where(eq(trolleyHandovers.flightId, flightId))
    .orderBy(trolleyHandovers.trolleyId);
  if (rows.length === 0) return [];
  const stock = await legStock(db, flightId);
  const closedBefore = await previousLegSeals(db, flightId);
  return rows.map(({ handover, terminalName }) => {
    const ground = new Map(stock.filter((line) => line.trolleyId === handover.trolleyId).map((line) => [line.sku, line.left]));
    const stockMismatches = handover.stockLeft
      .filter((line) => (ground.get(line.sku) ?? 0) !== line.quantity)
      .map((line) => ({ sku: line.sku, reported: line.quantity, ground: ground.get(line.sku) ?? 0 }));
    const previousSeal = closedBefore?.get(handover.trolleyId);
    return {
      terminalId: handover.terminalId,
      terminalName,
      trolleyId: handover.trolleyId,
      sealAtOpen: handover.sealAtOpen,
      sealAtClose: handover.sealAtClose,
      /** `unknown` without the leg before (a first leg, a flight on its own) or a seal on either side. */
      sealContinuity:
        previousSeal === undefined || previousSeal === null || handover.sealAtOpen === null
          ? ("unknown" as const)
          : previousSeal === handover.sealAtOpen
            ? ("intact" as const)
            : ("broken" as const),
      stockMismatches,
    };
  });
}

/** The seal each trolley closed the rotation's previous leg with, if this flight is a later leg. */
async function previousLegSeals(db: Database, flightId: string): Promise<Map<string, string | null> | undefined> {
  const previous = (await legOf(db, flightId))?.previousFlightIds.at(-1);
  if (previous === undefined) return undefined;
  const rows = await db
    .select({ trolleyId: trolleyHandovers.trolleyId, sealAtClose: trolleyHandovers.sealAtClose })
    .from(trolleyHandovers)
    .where(inArray(trolleyHandovers.flightId, [previous]));
  return new Map(rows.map((row) => [row.trolleyId, row.sealAtClose]));
}
