/**
 * Cabin sync's discovery on the galley network (core process, plain Node): every `everyMs` each
 * listening terminal announces on a UDP multicast group the flight it sells on, its terminal id and
 * its cabin port; each terminal takes the announcements of its flight's other terminals (those the
 * manifest names, when it names them) as peers at the sender's address. A peer not announced for
 * three rounds is dropped.
 *
 * An announcement carries no credential and needs none: it only says where to ask, and everything
 * asked there is signed and checked. A forged one costs at most a request that fails. (A one-line
 * beacon, not DNS-SD over mDNS: only CabinPay terminals look for each other.)
 *
 *   "CPB1 " flight key " " terminal id " " port
 */
import { createSocket, type Socket } from "node:dgram";
import { isUuid } from "@cabinpay/shared";

export interface Beacon {
  readonly flightKey: string;
  readonly terminalId: string;
  readonly port: number;
}

export interface DiscoveryOptions {
  /** The multicast group and port every terminal of the cabin uses. */
  readonly group: { readonly address: string; readonly port: number };
  readonly everyMs: number;
  /** What to announce now; undefined: nothing yet (no flight, or not listening). */
  readonly beacon: () => Beacon | undefined;
  /** Whether a heard beacon is a peer: one of this flight's other terminals. */
  readonly accept: (beacon: Beacon) => boolean;
  readonly log: (entry: Record<string, unknown>) => void;
}

export interface Discovery {
  /** The peers heard lately, as base URLs. */
  peers(): string[];
  stop(): Promise<void>;
}

const BEACON_BYTES_MAX = 200;
/** More than the trolleys of any cabin: a flood of forged beacons cannot grow the list beyond it. */
const PEERS_MAX = 16;

export function beaconText(beacon: Beacon): string {
  return `CPB1 ${beacon.flightKey} ${beacon.terminalId} ${beacon.port}`;
}

export function readBeacon(text: string): Beacon | undefined {
  const match = /^CPB1 (\S{1,40}) (\S{36}) (\d{1,5})$/.exec(text);
  if (match === null || !isUuid(match[2]!)) return undefined;
  const port = Number(match[3]);
  return port >= 1 && port <= 65_535 ? { flightKey: match[1]!, terminalId: match[2]!, port } : undefined;
}

export function startDiscovery(options: DiscoveryOptions): Discovery {
  const heard = new Map<string, { url: string; atMs: number }>();
  const socket: Socket = createSocket({ type: "udp4", reuseAddr: true });
  socket.on("error", (error) => options.log({ level: "warn", msg: "cabin discovery failed", error: error.message }));
  socket.on("message", (message, from) => {
    const beacon = message.length <= BEACON_BYTES_MAX ? readBeacon(message.toString("utf8")) : undefined;
    if (beacon === undefined || !options.accept(beacon)) return;
    if (!heard.has(beacon.terminalId) && heard.size >= PEERS_MAX) return;
    heard.set(beacon.terminalId, { url: `http://${from.address}:${beacon.port}`, atMs: Date.now() });
  });
  const ready = new Promise<void>((resolve) =>
    socket.bind(options.group.port, () => {
      try {
        socket.addMembership(options.group.address);
        socket.setMulticastLoopback(true);
      } catch (error) {
        // A network with no multicast route: the listed peers still sync; the terminal does not stop.
        options.log({ level: "warn", msg: "cabin discovery unavailable", error: error instanceof Error ? error.message : String(error) });
      }
      resolve();
    }),
  );
  const announce = () => {
    const beacon = options.beacon();
    // A send that fails (no route) is logged; the next round tries again.
    if (beacon !== undefined)
      socket.send(beaconText(beacon), options.group.port, options.group.address, (error) => {
        if (error) options.log({ level: "warn", msg: "cabin beacon not sent", error: error.message });
      });
  };
  const timer = setInterval(announce, options.everyMs);
  timer.unref?.();
  void ready.then(announce);
  return {
    peers() {
      const freshMs = Date.now() - 3 * options.everyMs;
      for (const [terminalId, peer] of heard) if (peer.atMs < freshMs) heard.delete(terminalId);
      return [...heard.values()].map((peer) => peer.url);
    },
    async stop() {
      clearInterval(timer);
      await ready;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
