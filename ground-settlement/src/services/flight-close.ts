/**
 * Closing a flight: once every settlement is done, what is left of every hold is released, and a
 * sweep releases any hold that raced the close.
 */
import { and, eq, isNotNull, isNull, or, sql } from "drizzle-orm";
import { anyUuid, type Database, type Executor } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { transfers } from "../db/schema/ledger.js";
import { registrations } from "../db/schema/registrations.js";
import { terminalFlights } from "../db/schema/terminals.js";
import { settlements, terminalChains } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import { derivedId } from "../ids.js";
import { applyTransfers, lockAccounts, TRANSFERS_PER_BATCH_MAX } from "../ledger/ledger.js";
import { getFlight } from "./flights.js";
import { NotYetError } from "./not-yet.js";
import type { SettlementJobs } from "./outbox.js";

/** A flight closes by itself this long after departure, even if a terminal never uploaded a close. */
export const CLOSE_DEADLINE_AFTER_DEPARTURE_MS = 72 * 3_600_000;

/** The registration's hold if it can still be released: unresolved. */
/** Of these holds, those not yet resolved (posted, voided or expired), by id. */
async function unresolvedHolds(tx: Executor, holdIds: readonly string[]): Promise<Map<string, typeof transfers.$inferSelect>> {
  if (holdIds.length === 0) return new Map();
  const holds = await tx.select().from(transfers).where(anyUuid(transfers.id, holdIds));
  const resolved = await tx.select({ id: transfers.pendingId }).from(transfers).where(anyUuid(transfers.pendingId, holdIds));
  const resolvedIds = new Set(resolved.map((row) => row.id));
  return new Map(holds.filter((hold) => !resolvedIds.has(hold.id)).map((hold) => [hold.id, hold]));
}

/** Ops close a flight now: queued as a job, which waits for the flight's settlements. */
export async function requestClose(db: Database, jobs: SettlementJobs, flightId: string): Promise<void> {
  await getFlight(db, flightId);
  try {
    await jobs.close(flightId, true);
  } catch {
    throw new ApiError("unavailable", "the job queue (Redis) is not reachable: try again shortly");
  }
}

export type CloseOutcome = "closed" | "already_closed" | "not_due";

/**
 * Closes a flight when every assigned terminal has closed its service, or the deadline passed,
 * or ops force it: strictly after all its settlements, what is left of every hold is released.
 */
export async function closeFlight(db: Database, flightId: string, nowMs: number, options: { force: boolean }): Promise<CloseOutcome> {
  return db.transaction(async (tx) => {
    const [flight] = await tx.select().from(flights).where(eq(flights.id, flightId)).for("update");
    if (flight === undefined) throw new ApiError("flight_not_found", `no flight ${flightId}`);
    if (flight.closedAtMs !== null) return "already_closed";
    if (!options.force && nowMs < flight.departureAtMs + CLOSE_DEADLINE_AFTER_DEPARTURE_MS && !(await allTerminalsClosed(tx, flightId)))
      return "not_due";
    const [pending] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(settlements)
      .where(and(eq(settlements.flightId, flightId), eq(settlements.status, "pending")));
    if (pending!.n > 0) throw new NotYetError(`${pending!.n} settlements of flight ${flightId} are still pending`);
    // Every active registration is closed out, including those whose hold sales used up entirely,
    // and every cancelled one whose hold was kept because its voucher was already on board.
    const open = await tx
      .select()
      .from(registrations)
      .where(
        and(
          eq(registrations.flightId, flightId),
          isNull(registrations.releasedAtMs),
          or(eq(registrations.status, "active"), isNotNull(registrations.currentHoldTransferId)),
        ),
      )
      .orderBy(registrations.id)
      .for("update");
    await releaseHolds(tx, open, nowMs);
    await tx.update(flights).set({ closedAtMs: nowMs }).where(eq(flights.id, flightId));
    return "closed";
  });
}

/** Registrations released per sweep; the next sweep takes the rest. */
export const RELEASE_SWEEP_MAX = 500;

/**
 * The safety net behind `closeFlight`: releases any hold still open on a flight that is closed (a
 * registration that raced the close, say), so no hold outlives its flight. Returns how many.
 */
export async function releaseHoldsOfClosedFlights(db: Database, nowMs: number): Promise<number> {
  return db.transaction(async (tx) => {
    const stranded = await tx
      .select({ registration: registrations })
      .from(registrations)
      .innerJoin(flights, eq(flights.id, registrations.flightId))
      .where(and(isNotNull(flights.closedAtMs), isNotNull(registrations.currentHoldTransferId)))
      .orderBy(registrations.id)
      .limit(RELEASE_SWEEP_MAX)
      .for("update", { of: registrations });
    await releaseHolds(
      tx,
      stranded.map((row) => row.registration),
      nowMs,
    );
    return stranded.length;
  });
}

/**
 * Voids what is left of each registration's hold and marks it released. The registrations must be
 * locked already (the first step of the lock order); every account the releases touch is then
 * locked at once in id order before the first void. Batches of voids and one update for
 * the whole flight: released one by one (eight statements each), a widebody's close held the
 * airline's holds account, and with it every settlement of every other flight, for 50 ms and more.
 */
async function releaseHolds(tx: Executor, open: readonly (typeof registrations.$inferSelect)[], nowMs: number): Promise<void> {
  if (open.length === 0) return;
  const unresolved = await unresolvedHolds(
    tx,
    open.flatMap((registration) => (registration.currentHoldTransferId === null ? [] : [registration.currentHoldTransferId])),
  );
  const voids = open.flatMap((registration) => {
    const hold = unresolved.get(registration.currentHoldTransferId ?? "");
    if (hold === undefined) return [];
    return [
      {
        kind: "void" as const,
        id: derivedId(`release:${registration.id}`),
        pendingId: hold.id,
        code: "hold_released",
        reference: registration.id,
      },
    ];
  });
  await lockAccounts(
    tx,
    [...unresolved.values()].flatMap((hold) => [hold.debitAccountId, hold.creditAccountId]),
  );
  for (let from = 0; from < voids.length; from += TRANSFERS_PER_BATCH_MAX)
    await applyTransfers(tx, voids.slice(from, from + TRANSFERS_PER_BATCH_MAX), nowMs);
  await tx
    .update(registrations)
    .set({ currentHoldTransferId: null, releasedAtMs: nowMs })
    .where(
      anyUuid(
        registrations.id,
        open.map((registration) => registration.id),
      ),
    );
}

async function allTerminalsClosed(tx: Executor, flightId: string): Promise<boolean> {
  const assigned = await tx
    .select({ terminalId: terminalFlights.terminalId })
    .from(terminalFlights)
    .where(eq(terminalFlights.flightId, flightId));
  if (assigned.length === 0) return false;
  const closed = await tx
    .select({ terminalId: terminalChains.terminalId })
    .from(terminalChains)
    .where(and(eq(terminalChains.flightId, flightId), sql`${terminalChains.closedAtMs} IS NOT NULL`));
  const closedIds = new Set(closed.map((row) => row.terminalId));
  return assigned.every((row) => closedIds.has(row.terminalId));
}
