/** Cabin sync: exchanging spend snapshots with the other terminals of the flight, and when each was last heard. */
import { fromBase64Url, toBase64Url } from "@cabinpay/shared";
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
} satisfies Handlers<"cabin/exchange" | "cabin/status">;
