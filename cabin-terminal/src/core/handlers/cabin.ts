/** Cabin sync: exchanging spend snapshots with the other terminals of the flight, and when each was last heard. */
import { fromBase64Url, handoffFrames, readSpendSnapshot, toBase64Url } from "@cabinpay/shared";
import { SPEND_SNAPSHOTS_MAX } from "@cabinpay/shared/wire";
import { TerminalError } from "../errors.js";
import { noteIfInTouch } from "../sync/allowance.js";
import { heardFrom, snapshotsToShare, takeSnapshot } from "../sync/cabin.js";
import type { Handlers } from "./handler.js";

export const cabinHandlers = {
  async "cabin/exchange"(session, { snapshots }) {
    const flight = session.current();
    const seller = session.seller();
    const verdicts = snapshots.map((text) =>
      takeSnapshot(session.db, flight, fromBase64Url(text) ?? new Uint8Array(), seller.terminalId, session.now()),
    );
    noteIfInTouch(session.db, flight, seller.terminalId, session.now());
    const answer = snapshotsToShare(session.db, flight, seller, session.now());
    return { verdicts, snapshots: answer.map((snapshot) => toBase64Url(snapshot.bytes)) };
  },
  async "cabin/status"(session) {
    const flight = session.current();
    return {
      peers: heardFrom(session.db, flight.flightKey).map(({ terminalId, name, receivedAtMs }) => ({
        terminalId,
        name,
        heardAtMs: receivedAtMs,
      })),
    };
  },
  async "cabin/handoff-frames"(session) {
    const flight = session.current();
    const snapshots = snapshotsToShare(session.db, flight, session.seller(), session.now()).slice(0, SPEND_SNAPSHOTS_MAX);
    if (snapshots.length === 0)
      throw new TerminalError("not_enrolled", "this terminal has no certificate yet: enrol it again on the ground");
    return { frames: handoffFrames(snapshots.map((snapshot) => snapshot.bytes)) };
  },
  async "cabin/handoff-scan"(session, { frame }) {
    const flight = session.current();
    const seller = session.seller();
    const progress = session.handoff.add(frame);
    if (progress.status !== "complete") return progress;
    const verdicts = progress.snapshots.map((bytes) => takeSnapshot(session.db, flight, bytes, seller.terminalId, session.now()));
    noteIfInTouch(session.db, flight, seller.terminalId, session.now());
    const names = progress.snapshots
      .filter((_, i) => verdicts[i] === "taken")
      .map((bytes) => readSpendSnapshot(bytes)?.certificate.terminalName ?? "?");
    return { status: "taken", verdicts, names };
  },
} satisfies Handlers<"cabin/exchange" | "cabin/status" | "cabin/handoff-frames" | "cabin/handoff-scan">;
