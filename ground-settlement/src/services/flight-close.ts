/**
 * Closing a flight: once every settlement is done, what is left of every hold is released, and a
 * sweep releases any hold that raced the close.
 */
import { and, eq, isNotNull, isNull, or, sql } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { transfers } from "../db/schema/ledger.js";
import { registrations } from "../db/schema/registrations.js";
import { terminalFlights } from "../db/schema/terminals.js";
import { settlements, terminalChains } from "../db/schema/uploads.js";
import { ApiError } from "../errors.js";
import { derivedId } from "../ids.js";
import { lockAccounts, voidPending } from "../ledger/ledger.js";
import { getFlight } from "./flights.js";
import { NotYetError } from "./not-yet.js";
import type { SettlementJobs } from "./outbox.js";

/** A flight closes by itself this long after departure, even if a terminal never uploaded a close. */
export const CLOSE_DEADLINE_AFTER_DEPARTURE_MS = 72 * 3_600_000;

/** The registration's hold if it can still be released: unresolved. */
async function unresolvedHold(tx: Executor, holdId: string | null) {
  if (holdId === null) return undefined;
  const [hold] = await tx.select().from(transfers).where(eq(transfers.id, holdId));
  const [resolution] = await tx.select({ id: transfers.id }).from(transfers).where(eq(transfers.pendingId, holdId));
  return hold === undefined || resolution !== undefined ? undefined : hold;
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
 * locked at once in id order before the first release: one by one, a wallet sorting before the
 * holds account would be locked out of order.
 */
async function releaseHolds(tx: Executor, open: readonly (typeof registrations.$inferSelect)[], nowMs: number): Promise<void> {
  const unresolved = new Map<string, NonNullable<Awaited<ReturnType<typeof unresolvedHold>>>>();
  for (const registration of open) {
    const hold = await unresolvedHold(tx, registration.currentHoldTransferId);
    if (hold !== undefined) unresolved.set(registration.id, hold);
  }
  await lockAccounts(
    tx,
    [...unresolved.values()].flatMap((hold) => [hold.debitAccountId, hold.creditAccountId]),
  );
  for (const registration of open) {
    const hold = unresolved.get(registration.id);
    if (hold !== undefined) {
      await voidPending(tx, {
        id: derivedId(`release:${registration.id}`),
        pendingId: hold.id,
        code: "hold_released",
        reference: registration.id,
        nowMs,
      });
    }
    await tx.update(registrations).set({ currentHoldTransferId: null, releasedAtMs: nowMs }).where(eq(registrations.id, registration.id));
  }
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
