/**
 * Cabin sync's settings from the environment (core; read by the browser host executable and by
 * Electron's main, which passes them to the core's process):
 *
 *   CABINPAY_CABIN_LISTEN    host:port where peers reach this terminal (the galley Wi-Fi's address)
 *   CABINPAY_CABIN_PEERS     the other trolleys, comma-separated base URLs (http://10.0.0.12:7311)
 *   CABINPAY_CABIN_EVERY_MS  how often to exchange (default 5000; also after every sale)
 *   CABINPAY_CABIN_DISCOVERY multicast group:port where the flight's terminals announce themselves
 *                            (default 239.255.42.99:7311 when listening; "off": only the listed peers)
 *
 * Neither LISTEN nor PEERS set: no cabin sync. A malformed value stops the start with a clear error
 * rather than a terminal that silently syncs with nobody.
 */
import { TerminalError } from "../errors.js";
import type { TerminalCoreOptions } from "../session.js";

const EVERY_MS_DEFAULT = 5_000;
const EVERY_MS_RANGE = { min: 500, max: 600_000 } as const;
const PEERS_MAX = 8;
const DISCOVERY_DEFAULT = "239.255.42.99:7311";

export function cabinConfigFromEnv(env: Readonly<Record<string, string | undefined>>): TerminalCoreOptions["cabin"] {
  const listenText = env["CABINPAY_CABIN_LISTEN"]?.trim();
  const peersText = env["CABINPAY_CABIN_PEERS"]?.trim();
  if (!listenText && !peersText) return undefined;
  const peers = (peersText ?? "")
    .split(",")
    .map((peer) => peer.trim())
    .filter((peer) => peer !== "");
  if (peers.length > PEERS_MAX) throw invalid("CABINPAY_CABIN_PEERS", `at most ${PEERS_MAX} peers`);
  for (const peer of peers) {
    let url: URL;
    try {
      url = new URL(peer);
    } catch {
      throw invalid("CABINPAY_CABIN_PEERS", `"${peer}" is not a URL (http://10.0.0.12:7311)`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid("CABINPAY_CABIN_PEERS", `"${peer}" is not http(s)`);
  }
  const everyMs = Number(env["CABINPAY_CABIN_EVERY_MS"] ?? EVERY_MS_DEFAULT);
  if (!Number.isInteger(everyMs) || everyMs < EVERY_MS_RANGE.min || everyMs > EVERY_MS_RANGE.max)
    throw invalid("CABINPAY_CABIN_EVERY_MS", `a whole number of milliseconds from ${EVERY_MS_RANGE.min} to ${EVERY_MS_RANGE.max}`);
  const discovery = listenText ? discoveryOf(env["CABINPAY_CABIN_DISCOVERY"]?.trim() || DISCOVERY_DEFAULT) : undefined;
  return { ...(listenText ? { listen: listenOf(listenText) } : {}), peers, everyMs, ...(discovery === undefined ? {} : { discovery }) };
}

function discoveryOf(text: string): { address: string; port: number } | undefined {
  if (text === "off") return undefined;
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/.exec(text);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const port = Number(match?.[5]);
  // IPv4 multicast is 224.0.0.0/4; the organisation-local 239/8 keeps the beacons inside the cabin.
  if (match === null || octets.some((o) => o > 255) || octets[0]! < 224 || octets[0]! > 239 || port < 1 || port > 65_535)
    throw invalid("CABINPAY_CABIN_DISCOVERY", `"${text}" is not a multicast group:port (239.255.42.99:7311) or off`);
  return { address: octets.join("."), port };
}

function listenOf(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65_535)
    throw invalid("CABINPAY_CABIN_LISTEN", `"${text}" is not host:port (0.0.0.0:7311)`);
  return { host: match[1] ?? match[2]!, port };
}

function invalid(name: string, why: string): TerminalError {
  return new TerminalError("invalid_input", `${name}: ${why}`);
}
