/**
 * Cabin sync between three terminals of one flight over loopback HTTP (issue 20), on a flight whose
 * ops chose `share`: what one trolley sold against a voucher counts against its cap on the others
 * once they have talked; with every link cut each trolley approves only its share of what was
 * unspent, so together they stay within the cap, and restored they catch up; a snapshot from an
 * uncertified terminal, a terminal not on the flight, another flight, a replay or one whose
 * counters shrink is refused, and changes nothing; the ground receives the counters with the upload
 * and checks them against the records.
 */

import { createSocket } from "node:dgram";
import { createServer, request as httpRequest, type Server } from "node:http";
import { join } from "node:path";
import { bearer, call, DEPARTURE_MS, passenger, staffKeys } from "@cabinpay/ground-settlement/testing/actors";
import {
  certifyDevice,
  createNobleSigner,
  decodeVoucherText,
  fromBase64Url,
  generateSecretKey,
  makeSpendSnapshot,
  newId,
  readSpendSnapshot,
  type Signer,
  type SpendSnapshot,
  toBase64Url,
} from "@cabinpay/shared";
import { freePort } from "@cabinpay/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTerminalCore, type TerminalCore } from "../src/core/api.js";
import { deviceKey } from "../src/core/enrolment.js";
import { fileKeyStore } from "../src/core/keys/key-store.js";
import { cabinConfigFromEnv } from "../src/core/sync/cabin-config.js";
import { beaconText, readBeacon } from "../src/core/sync/cabin-discovery.js";
import { tempDir } from "./support/fixtures.js";
import { type GroundWithFlight, groundWithFlight } from "./support/ground.js";

const IN_FLIGHT_MS = DEPARTURE_MS + 3_600_000;
const FLIGHT = { carrier: "9C", number: "8850", date: "2026-12-01" };
const SYNC_EVERY_MS = 100;
const TROLLEYS = ["A", "B", "C"] as const;
type Trolley = (typeof TROLLEYS)[number];

describe("cabin sync between three trolleys over loopback", () => {
  let ground: GroundWithFlight;
  let ops: string;
  let finance: string;
  const cores = {} as Record<Trolley, TerminalCore>;
  const ids = {} as Record<Trolley, string>;
  /** One forwarding hop per direction ("A>B": A calling B): cut a trolley's four and it is alone. */
  const links = new Map<string, Link>();
  let signerC: Signer;
  let voucherText: string;
  let voucherId: string;

  beforeAll(async () => {
    ground = await groundWithFlight({ capMinor: 10_000, seat: "12C" }, { trolleyC: true, spendPolicy: "share" });
    ({ ops, finance } = await staffKeys(ground.t));
    voucherText = ground.voucherText;
    const decoded = decodeVoucherText(voucherText);
    if (!decoded.ok) throw new Error(decoded.detail);
    voucherId = decoded.voucher.voucherId;
    const ports = Object.fromEntries(await Promise.all(TROLLEYS.map(async (t) => [t, await freePort()] as const))) as Record<
      Trolley,
      number
    >;
    for (const from of TROLLEYS) for (const to of TROLLEYS) if (from !== to) links.set(`${from}>${to}`, await link(ports[to]));
    // Every trolley gets its terminal before any loads the manifest: each manifest names all three.
    ground.t.clock.nowMs = DEPARTURE_MS - 3_600_000;
    for (const trolley of TROLLEYS) {
      const dataDir = tempDir();
      const keyStore = fileKeyStore(join(dataDir, "device.key"));
      const peers = TROLLEYS.filter((t) => t !== trolley).map((t) => links.get(`${trolley}>${t}`)!.url);
      const cabin = { listen: { host: "127.0.0.1", port: ports[trolley] }, peers, everyMs: SYNC_EVERY_MS };
      cores[trolley] = createTerminalCore({ dataDir, keyStore, now: () => ground.t.clock.nowMs, cabin });
      ids[trolley] = (
        await cores[trolley]["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode(trolley) })
      ).terminalId;
      if (trolley === "C") signerC = deviceKey(keyStore);
    }
    for (const trolley of TROLLEYS) await cores[trolley]["manifest/load-assigned"]({});
    ground.t.clock.nowMs = IN_FLIGHT_MS;
    for (const trolley of TROLLEYS)
      expect(await cores[trolley]["crew/login"]({ crewId: "C1002", pin: "1357" })).toMatchObject({ ok: true });
  }, 120_000);
  afterAll(async () => {
    for (const l of links.values()) await l.cut();
    for (const core of Object.values(cores)) await core.close();
    await ground?.t.close();
  });

  const sell = async (trolley: Trolley, sku: string, quantity: number, text = voucherText) => {
    const core = cores[trolley];
    await core["cart/set"]({ sku, quantity });
    const result = await core["sale/charge"]({ voucherText: text });
    if (!result.ok) await core["cart/clear"]({});
    return result;
  };
  /** The snapshots `trolley` holds (its own and those it heard). */
  const held = async (trolley: Trolley): Promise<SpendSnapshot[]> =>
    (await cores[trolley]["cabin/exchange"]({ snapshots: [] })).snapshots.flatMap((text) => readSpendSnapshot(fromBase64Url(text)!) ?? []);
  /** Whether `trolley` holds `author`'s snapshot as `author` makes it now (after its last sale). */
  const caughtUp = async (trolley: Trolley, author: Trolley) => {
    const now = (await held(author)).find((s) => s.terminalId === ids[author])!.version;
    return (await held(trolley)).some((s) => s.terminalId === ids[author] && s.version >= now);
  };
  const cutAll = async () => {
    for (const l of links.values()) await l.cut();
  };
  const restoreAll = async () => {
    for (const l of links.values()) await l.restore();
  };

  it("counts what one trolley sold against the voucher's cap on the other two once they have talked", async () => {
    // Until a trolley has heard both others it is apart, and may approve only its share.
    for (const trolley of TROLLEYS)
      await expect.poll(async () => (await cores[trolley]["status/get"]({})).cabin?.inTouch, { timeout: 10_000 }).toBe(true);
    // A 100.00 cap. A sells a noodle (48.00): 52.00 left everywhere once B and C have heard.
    expect(await sell("A", "ML-NOO-100", 1)).toMatchObject({ ok: true, receipt: { remainingCapMinor: 5_200 } });
    await expect.poll(() => caughtUp("B", "A"), { timeout: 10_000 }).toBe(true);
    expect(await sell("B", "DR-COF-300", 3)).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 5_200 });
    const sold = await sell("B", "DR-COF-300", 2);
    expect(sold).toMatchObject({ ok: true, receipt: { remainingCapMinor: 1_200 } });
    // In touch with both others: nothing about being apart on the crew screen.
    expect(sold.ok && sold.receipt.apart).toBeUndefined();
    await expect.poll(async () => (await caughtUp("C", "A")) && (await caughtUp("C", "B")), { timeout: 10_000 }).toBe(true);
    expect(await sell("C", "DR-WAT-304", 2)).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 1_200 });
    expect((await cores.C["status/get"]({})).cabin).toMatchObject({ policy: "share", inTouch: true });
  });

  it("with every link cut, lets each trolley approve only its share, so together they stay within the cap; restored, they catch up", async () => {
    const other = await passenger(ground.t, ops, 50_000);
    ground.t.clock.nowMs = DEPARTURE_MS - 3 * 3_600_000;
    const payload = { flightId: ground.flightId, capMinor: 10_000, seat: "14A" };
    const text = (await call(ground.t.app, { method: "POST", url: "/registrations", headers: bearer(other.token), payload }, 201)).json()
      .voucherText as string;
    ground.t.clock.nowMs = IN_FLIGHT_MS;
    await cutAll();
    // A minute on, nobody has heard anybody for longer than in touch allows.
    ground.t.clock.nowMs = IN_FLIGHT_MS + 60_000;
    expect((await cores.A["status/get"]({})).cabin).toMatchObject({ policy: "share", inTouch: false });
    // Each trolley's share of the untouched 100.00 is 33.33: a noodle (48.00) is more.
    expect(await sell("A", "ML-NOO-100", 1, text)).toMatchObject({
      ok: false,
      reason: "over_cap",
      remainingCapMinor: 10_000,
      apart: { policy: "share", allowedMinor: 3_333 },
    });
    for (const trolley of TROLLEYS)
      expect(await sell(trolley, "DR-COF-300", 1, text)).toMatchObject({
        ok: true,
        receipt: { apart: { policy: "share", allowedMinor: 1_333 } },
      });
    expect(await sell("A", "DR-COF-300", 1, text)).toMatchObject({ ok: false, reason: "over_cap" });
    // Back in reach: all know 60.00 was spent, and 40.00 is left wherever the passenger is.
    await restoreAll();
    await expect.poll(async () => (await sell("A", "DR-COF-300", 2, text)).ok, { timeout: 10_000 }).toBe(true);
    for (const trolley of ["B", "C"] as const)
      await expect
        .poll(async () => sell(trolley, "DR-WAT-304", 1, text), { timeout: 10_000 })
        .toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 0 });
  });

  it("refuses a counter from an uncertified terminal, one not on the flight, another flight, a replay, or shrinking counters", async () => {
    const groundKey = ground.t.infra.keys.manifestSigner;
    const certified = (terminalId: string, key: Signer, by: Signer = groundKey) =>
      certifyDevice(
        { terminalId, devicePublicKey: key.publicKey, terminalName: "Trolley X", issuedAtMs: 0, expiresAtMs: IN_FLIGHT_MS + 86_400_000 },
        by,
      ).bytes;
    const snapshot = (terminalId: string, key: Signer, version: number, approvedMinor: number, certificate: Uint8Array, flight = FLIGHT) =>
      toBase64Url(
        makeSpendSnapshot(
          { flight, terminalId, version, createdAtMs: IN_FLIGHT_MS, entries: [{ voucherId, approvedMinor, givenBackMinor: 0 }] },
          certificate,
          key,
        ).bytes,
      );
    const x = newId();
    const xKey = createNobleSigner(generateSecretKey());
    const newest = (await held("B")).find((s) => s.terminalId === ids.C)!;
    // C's own key (as if it leaked): a newer snapshot whose counters went down is still refused.
    const shrunk = makeSpendSnapshot({ ...newest, version: newest.version + 5, entries: [] }, newest.certificate.bytes, signerC);
    const before = await held("B");
    const verdicts = await cores.B["cabin/exchange"]({
      snapshots: [
        snapshot(x, xKey, 1, 9_000, certified(x, xKey, createNobleSigner(generateSecretKey()))),
        snapshot(x, xKey, 1, 9_000, certified(x, xKey)),
        snapshot(ids.C, signerC, 99, 9_000, newest.certificate.bytes, { ...FLIGHT, date: "2026-12-02" }),
        toBase64Url(newest.bytes),
        toBase64Url(shrunk.bytes),
        "not-a-snapshot",
      ],
    });
    expect(verdicts.verdicts).toEqual(["unknown_ground_key", "not_on_flight", "wrong_flight", "older", "shrinks", "malformed"]);
    expect((await held("B")).map((s) => [s.terminalId, s.version])).toEqual(before.map((s) => [s.terminalId, s.version]));
    // A malformed body at the cabin port is a 400, not a crash.
    const url = await cores.B.cabinUrl;
    const response = await fetch(`${url}/cabin/exchange`, { method: "POST", body: "{" });
    expect(response.status).toBe(400);
    const wrong = await fetch(`${url}/cabin/exchange`, { method: "POST", body: JSON.stringify({ snapshots: [1, 2] }) });
    expect(wrong.status).toBe(400);
  });

  it("brings the counters down with the upload, and the ground checks them against the records it holds", async () => {
    const counters = async () =>
      (
        await call(
          ground.t.app,
          { method: "GET", url: `/finance/flights/${ground.flightId}/cabin-counters`, headers: bearer(finance) },
          200,
        )
      ).json().counters as { terminalId: string; status: string; vouchersDiffering: number }[];
    const statusOf = async () =>
      Object.fromEntries((await counters()).map((c) => [TROLLEYS.find((t) => ids[t] === c.terminalId), c.status]));
    // Only A uploads: its own counters agree; B's and C's, heard in the cabin, name sales not down yet.
    await expect.poll(async () => (await caughtUp("A", "B")) && (await caughtUp("A", "C")), { timeout: 10_000 }).toBe(true);
    await cores.A["sync/upload"]({});
    expect(await statusOf()).toEqual({ A: "agrees", B: "waiting", C: "waiting" });
    for (const trolley of ["B", "C"] as const) await cores[trolley]["sync/upload"]({});
    expect(await statusOf()).toEqual({ A: "agrees", B: "agrees", C: "agrees" });
    expect((await counters()).every((c) => c.vouchersDiffering === 0)).toBe(true);
  });
});

interface Link {
  readonly url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
}

/** A forwarding hop on loopback to a terminal's cabin port: cut it and the peers cannot reach each other. */
async function link(targetPort: number): Promise<Link> {
  const port = await freePort();
  let server: Server | undefined;
  const open = () =>
    new Promise<void>((resolve) => {
      server = createServer((incoming, outgoing) => {
        const forward = httpRequest(
          { host: "127.0.0.1", port: targetPort, path: incoming.url, method: incoming.method, headers: incoming.headers },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forward.on("error", () => outgoing.destroy());
        incoming.pipe(forward);
      });
      server.listen(port, "127.0.0.1", () => resolve());
    });
  await open();
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () =>
      new Promise<void>((resolve) => {
        if (server === undefined) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
        server = undefined;
      }),
    restore: open,
  };
}

describe("cabin sync finding the flight's terminals on the galley network", () => {
  let ground: GroundWithFlight;
  const cores: TerminalCore[] = [];
  afterAll(async () => {
    for (const core of cores) await core.close();
    await ground?.t.close();
  });

  it("hears the other trolley from its beacon alone, with no peer listed, through a stranger's beacon pointing at nothing", async () => {
    ground = await groundWithFlight({ capMinor: 10_000, seat: "12C" });
    // A group port of this run's own: two runs on one machine do not hear each other.
    const group = { address: "239.255.42.99", port: 20_000 + Math.floor(Math.random() * 40_000) };
    ground.t.clock.nowMs = DEPARTURE_MS - 3_600_000;
    for (const trolley of ["A", "B"]) {
      const cabin = { listen: { host: "0.0.0.0", port: 0 }, peers: [], everyMs: SYNC_EVERY_MS, discovery: group };
      const core = createTerminalCore({ dataDir: tempDir(), now: () => ground.t.clock.nowMs, cabin });
      cores.push(core);
      await core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode(trolley) });
    }
    for (const core of cores) await core["manifest/load-assigned"]({});
    ground.t.clock.nowMs = IN_FLIGHT_MS;
    // A stranger's beacon (another flight, a port where nothing listens) stops nobody.
    const socket = createSocket({ type: "udp4" });
    socket.send(`CPB1 9C8851/2026-12-01 ${newId()} 9`, group.port, group.address);
    for (const core of cores) await expect.poll(async () => (await core["status/get"]({})).cabin?.inTouch, { timeout: 15_000 }).toBe(true);
    expect((await cores[0]!["cabin/status"]({})).peers.map((peer) => peer.name)).toEqual(["Trolley B"]);
    socket.close();
  });

  it("reads a beacon strictly: a terminal id, a port, nothing else", () => {
    const terminalId = newId();
    expect(readBeacon(beaconText({ flightKey: "9C8850/2026-12-01", terminalId, port: 7311 }))).toEqual({
      flightKey: "9C8850/2026-12-01",
      terminalId,
      port: 7311,
    });
    for (const text of ["CPB1 9C8850/2026-12-01 not-a-terminal 7311", `CPB1 9C8850/2026-12-01 ${terminalId} 70000`, "hello", ""])
      expect(readBeacon(text), text).toBeUndefined();
  });
});

describe("cabin sync's settings from the environment", () => {
  it("reads where to listen, whom to call and how often; none set is no sync", () => {
    expect(cabinConfigFromEnv({})).toBeUndefined();
    expect(
      cabinConfigFromEnv({
        CABINPAY_CABIN_LISTEN: "0.0.0.0:7311",
        CABINPAY_CABIN_PEERS: "http://10.0.0.12:7311, http://10.0.0.13:7311",
        CABINPAY_CABIN_EVERY_MS: "2000",
      }),
    ).toEqual({
      listen: { host: "0.0.0.0", port: 7311 },
      peers: ["http://10.0.0.12:7311", "http://10.0.0.13:7311"],
      everyMs: 2000,
      discovery: { address: "239.255.42.99", port: 7311 },
    });
    expect(cabinConfigFromEnv({ CABINPAY_CABIN_LISTEN: "[::]:7311", CABINPAY_CABIN_DISCOVERY: "239.1.2.3:9000" })).toEqual({
      listen: { host: "::", port: 7311 },
      peers: [],
      everyMs: 5000,
      discovery: { address: "239.1.2.3", port: 9000 },
    });
    // Discovery off, or nothing to announce (not listening): only the listed peers.
    expect(cabinConfigFromEnv({ CABINPAY_CABIN_LISTEN: "0.0.0.0:7311", CABINPAY_CABIN_DISCOVERY: "off" })).not.toHaveProperty("discovery");
    expect(cabinConfigFromEnv({ CABINPAY_CABIN_PEERS: "http://10.0.0.12:7311" })).not.toHaveProperty("discovery");
  });

  it("stops with a clear error on a malformed value rather than syncing with nobody", () => {
    for (const [env, message] of [
      [{ CABINPAY_CABIN_LISTEN: "7311" }, /CABINPAY_CABIN_LISTEN: "7311" is not host:port/],
      [{ CABINPAY_CABIN_LISTEN: "0.0.0.0:99999" }, /CABINPAY_CABIN_LISTEN/],
      [{ CABINPAY_CABIN_PEERS: "10.0.0.12:7311" }, /CABINPAY_CABIN_PEERS: "10.0.0.12:7311" is not/],
      [{ CABINPAY_CABIN_PEERS: "ftp://x" }, /is not http\(s\)/],
      [{ CABINPAY_CABIN_PEERS: "http://a", CABINPAY_CABIN_EVERY_MS: "10" }, /CABINPAY_CABIN_EVERY_MS/],
      [{ CABINPAY_CABIN_LISTEN: "0.0.0.0:7311", CABINPAY_CABIN_DISCOVERY: "10.0.0.1:7311" }, /not a multicast group/],
      [{ CABINPAY_CABIN_LISTEN: "0.0.0.0:7311", CABINPAY_CABIN_DISCOVERY: "239.0.0.300:7311" }, /CABINPAY_CABIN_DISCOVERY/],
    ] as const)
      expect(() => cabinConfigFromEnv(env)).toThrow(message);
  });
});
