/** Sync: upload, the ground's answers per record, retention, and the terminal's status. */
import { LIMITS } from "@cabinpay/shared";
import type { TerminalStatus } from "../../api/contract.js";
import { enrolledTerminalId } from "../enrolment.js";
import type { LoadedFlight } from "../flight/load.js";
import { unsentByFlight } from "../ground/upload-all.js";
import { purgeAcknowledged } from "../retention.js";
import { listRecordOutcomes } from "../sales/report.js";
import type { TerminalSession } from "../session.js";
import { cabinView } from "../sync/allowance.js";
import type { Handlers } from "./handler.js";

const DAY_MS = 86_400_000;

export const syncHandlers = {
  async "sync/upload"(session, { batchSizeMax }) {
    return session.uploadOnce(batchSizeMax ?? LIMITS.batchRecordsMax);
  },
  async "sync/records"(session) {
    return listRecordOutcomes(session.db, session.withRecords(session.current()).flightKey);
  },
  async "retention/purge"(session, { retentionDays }) {
    const retentionMs = retentionDays === undefined ? session.retentionMs : retentionDays * DAY_MS;
    return purgeAcknowledged(session.db, { nowMs: session.now(), retentionMs });
  },
  async "status/get"(session) {
    const terminalId = enrolledTerminalId(session.db);
    const unsent = unsentByFlight(session.db);
    const flight = session.flight;
    return {
      enrolled: terminalId !== undefined,
      terminalId,
      flight: flight === undefined ? undefined : session.summary(flight),
      crew: session.crew,
      cart: flight === undefined ? undefined : session.cartView(),
      unsentRecords: unsent.reduce((sum, row) => sum + row.records, 0),
      unsentByFlight: unsent,
      chainProblem: session.guard.problemOf(flight?.flightKey),
      cabin: cabinStatus(session, flight, terminalId),
    };
  },
} satisfies Handlers<"sync/upload" | "sync/records" | "retention/purge" | "status/get">;

/** Shown when the terminal syncs with its cabin, or when the flight shares each voucher between its trolleys. */
function cabinStatus(session: TerminalSession, flight: LoadedFlight | undefined, terminalId: string | undefined): TerminalStatus["cabin"] {
  if (flight === undefined || terminalId === undefined) return undefined;
  if (session.options.cabin === undefined && flight.manifest.spendPolicy === "full") return undefined;
  return cabinView(session.db, flight, terminalId, session.now());
}
