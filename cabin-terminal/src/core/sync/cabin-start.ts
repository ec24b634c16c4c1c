/**
 * Cabin sync started for a terminal core (core process): the link that exchanges snapshots with the
 * peers, and, when the terminal listens and discovery is on, the beacon that finds the flight's
 * other terminals on the galley network and hands their addresses to the link.
 */
import type { TerminalApi } from "../../api/contract.js";
import { enrolledTerminalId } from "../enrolment.js";
import type { TerminalSession } from "../session.js";
import { namedPeers } from "./allowance.js";
import { type Discovery, startDiscovery } from "./cabin-discovery.js";
import { type CabinLink, startCabinLink } from "./cabin-link.js";

export function startCabin(
  session: TerminalSession,
  cabin: NonNullable<TerminalSession["options"]["cabin"]>,
  exchange: TerminalApi["cabin/exchange"],
  onRound: () => void,
): CabinLink {
  let discovery: Discovery | undefined;
  const link = startCabinLink({
    ...cabin,
    exchange,
    onRound,
    discovered: () => discovery?.peers() ?? [],
  });
  let port: number | undefined;
  void link.url.then((url) => {
    port = url === undefined ? undefined : Number(new URL(url).port);
  });
  if (cabin.discovery !== undefined && cabin.listen !== undefined)
    discovery = startDiscovery({
      group: cabin.discovery,
      everyMs: cabin.everyMs,
      beacon: () => {
        const flight = session.flight;
        const self = enrolledTerminalId(session.db);
        if (flight === undefined || self === undefined || port === undefined) return undefined;
        return { flightKey: flight.flightKey, terminalId: self, port };
      },
      accept: (beacon) => {
        // The flight first: a beacon of another flight (or a flood of them) costs no database read.
        const flight = session.flight;
        if (flight === undefined || beacon.flightKey !== flight.flightKey) return false;
        const self = enrolledTerminalId(session.db);
        if (self === undefined || beacon.terminalId === self) return false;
        const named = namedPeers(flight, self);
        return named.length === 0 || named.some((peer) => peer.terminalId === beacon.terminalId);
      },
      log: () => undefined,
    });
  return {
    url: link.url,
    nudge: link.nudge,
    async stop() {
      await discovery?.stop();
      await link.stop();
    },
  };
}
