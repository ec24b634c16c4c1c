/**
 * Cabin sync between the terminals of one flight over loopback HTTP (issue 20): what one trolley
 * sold against a voucher counts against its cap on the others once they have talked; a link cut
 * and restored catches up; a snapshot from an uncertified terminal, another flight, an older
 * version or one whose counters shrink is refused, and changes nothing.
 */

import { createServer, request as httpRequest, type Server } from "node:http";
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
  toBase64Url,
} from "@cabinpay/shared";
import { freePort } from "@cabinpay/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTerminalCore, type TerminalCore } from "../src/core/api.js";
import { cabinConfigFromEnv } from "../src/core/sync/cabin-config.js";
import { tempDir } from "./support/fixtures.js";
import { type GroundWithFlight, groundWithFlight } from "./support/ground.js";

const IN_FLIGHT_MS = DEPARTURE_MS + 3_600_000;
const FLIGHT = { carrier: "9C", number: "8850", date: "2026-12-01" };
const SYNC_EVERY_MS = 100;

describe("cabin sync over loopback", () => {
  let ground: GroundWithFlight;
  const cores: TerminalCore[] = [];
  const links: Link[] = [];
  /** Trolleys A and B, each listening on loopback and calling the other through a link that can be cut. */
  let a: TerminalCore;
  let b: TerminalCore;
  let voucherText: string;
  let voucherId: string;

  beforeAll(async () => {
    ground = await groundWithFlight({ capMinor: 10_000, seat: "12C" });
    voucherText = ground.voucherText;
    const decoded = decodeVoucherText(voucherText);
    if (!decoded.ok) throw new Error(decoded.detail);
    voucherId = decoded.voucher.voucherId;
    const [portA, portB] = [await freePort(), await freePort()];
    const [toA, toB] = [await link(portA), await link(portB)];
    links.push(toA, toB);
    a = await terminal("A", portA, [toB.url]);
    b = await terminal("B", portB, [toA.url]);
  }, 60_000);
  afterAll(async () => {
    for (const l of links) await l.cut();
    for (const core of cores) await core.close();
    await ground?.t.close();
  });

  async function terminal(trolley: string, port: number, peers: string[]): Promise<TerminalCore> {
    const core = createTerminalCore({
      dataDir: tempDir(),
      now: () => ground.t.clock.nowMs,
      cabin: { listen: { host: "127.0.0.1", port }, peers, everyMs: SYNC_EVERY_MS },
    });
    cores.push(core);
    ground.t.clock.nowMs = DEPARTURE_MS - 3_600_000;
    await core["enrolment/enrol"]({ groundUrl: ground.groundUrl, code: await ground.enrolmentCode(trolley) });
    await core["manifest/load-assigned"]({});
    ground.t.clock.nowMs = IN_FLIGHT_MS;
    expect(await core["crew/login"]({ crewId: "C1002", pin: "1357" })).toMatchObject({ ok: true });
    return core;
  }
  const sell = async (core: TerminalCore, sku: string, quantity: number, text = voucherText) => {
    await core["cart/set"]({ sku, quantity });
    const result = await core["sale/charge"]({ voucherText: text });
    if (!result.ok) await core["cart/clear"]({});
    return result;
  };
  /** Whether `core` holds another terminal's snapshot at least at `version` (its chain's head then). */
  const heard = async (core: TerminalCore, version: number) => {
    const self = (await core["status/get"]({})).terminalId;
    const { snapshots } = await core["cabin/exchange"]({ snapshots: [] });
    return snapshots
      .map((text) => readSpendSnapshot(fromBase64Url(text)!))
      .some((s) => s !== undefined && s.terminalId !== self && s.version >= version);
  };

  it("counts what trolley A sold against the voucher's cap on trolley B once they have talked, and back", async () => {
    // A 100.00 cap. A sells a noodle (48.00): 52.00 left everywhere once B has heard.
    expect(await sell(a, "ML-NOO-100", 1)).toMatchObject({ ok: true, receipt: { remainingCapMinor: 5_200 } });
    await expect.poll(() => heard(b, 1), { timeout: 10_000 }).toBe(true);
    expect(await sell(b, "DR-COF-300", 3)).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 5_200 });
    expect(await sell(b, "DR-COF-300", 2)).toMatchObject({ ok: true, receipt: { remainingCapMinor: 1_200 } });
    await expect.poll(() => heard(a, 1), { timeout: 10_000 }).toBe(true);
    expect(await sell(a, "DR-WAT-304", 2)).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 1_200 });
  });

  it("keeps selling with the link cut (each trolley the whole cap: today's policy), and catches up when it is back", async () => {
    const ops = (await staffKeys(ground.t)).ops;
    const other = await passenger(ground.t, ops, 50_000);
    ground.t.clock.nowMs = DEPARTURE_MS - 3 * 3_600_000;
    const payload = { flightId: ground.flightId, capMinor: 10_000, seat: "14A" };
    const text = (await call(ground.t.app, { method: "POST", url: "/registrations", headers: bearer(other.token), payload }, 201)).json()
      .voucherText as string;
    ground.t.clock.nowMs = IN_FLIGHT_MS;
    for (const l of links) await l.cut();
    // Apart, each trolley allows what it alone knows of: together they go over the cap.
    expect(await sell(a, "ML-NOO-100", 2, text)).toMatchObject({ ok: true, receipt: { remainingCapMinor: 400 } });
    expect(await sell(b, "DR-COF-300", 2, text)).toMatchObject({ ok: true, receipt: { remainingCapMinor: 6_000 } });
    for (const l of links) await l.restore();
    // Back in touch: both know 13,600 was spent; nothing more is approved on either.
    for (const core of [a, b]) await expect.poll(async () => (await sell(core, "DR-WAT-304", 1, text)).ok, { timeout: 10_000 }).toBe(false);
    expect(await sell(b, "DR-WAT-304", 1, text)).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 0 });
  });

  it("refuses a snapshot from an uncertified terminal, another flight, an older version, or shrinking counters", async () => {
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
    const ok = certified(x, xKey);
    const before = (await b["cabin/status"]({})).peers.length;
    const verdicts = await b["cabin/exchange"]({
      snapshots: [
        snapshot(x, xKey, 1, 9_000, certified(x, xKey, createNobleSigner(generateSecretKey()))),
        snapshot(x, xKey, 1, 9_000, ok, { ...FLIGHT, date: "2026-12-02" }),
        snapshot(x, xKey, 5, 1_000, ok),
        snapshot(x, xKey, 4, 1_000, ok),
        snapshot(x, xKey, 6, 500, ok),
        "not-a-snapshot",
      ],
    });
    expect(verdicts.verdicts).toEqual(["unknown_ground_key", "wrong_flight", "taken", "older", "shrinks", "malformed"]);
    expect((await b["cabin/status"]({})).peers.length).toBe(before + 1);
    // A malformed body at the cabin port is a 400, not a crash.
    const url = await b.cabinUrl;
    const response = await fetch(`${url}/cabin/exchange`, { method: "POST", body: "{" });
    expect(response.status).toBe(400);
    const wrong = await fetch(`${url}/cabin/exchange`, { method: "POST", body: JSON.stringify({ snapshots: [1, 2] }) });
    expect(wrong.status).toBe(400);
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

describe("cabin sync's settings from the environment", () => {
  it("reads where to listen, whom to call and how often; none set is no sync", () => {
    expect(cabinConfigFromEnv({})).toBeUndefined();
    expect(
      cabinConfigFromEnv({
        CABINPAY_CABIN_LISTEN: "0.0.0.0:7311",
        CABINPAY_CABIN_PEERS: "http://10.0.0.12:7311, http://10.0.0.13:7311",
        CABINPAY_CABIN_EVERY_MS: "2000",
      }),
    ).toEqual({ listen: { host: "0.0.0.0", port: 7311 }, peers: ["http://10.0.0.12:7311", "http://10.0.0.13:7311"], everyMs: 2000 });
    expect(cabinConfigFromEnv({ CABINPAY_CABIN_LISTEN: "[::]:7311" })).toEqual({
      listen: { host: "::", port: 7311 },
      peers: [],
      everyMs: 5000,
    });
  });

  it("stops with a clear error on a malformed value rather than syncing with nobody", () => {
    for (const [env, message] of [
      [{ CABINPAY_CABIN_LISTEN: "7311" }, /CABINPAY_CABIN_LISTEN: "7311" is not host:port/],
      [{ CABINPAY_CABIN_LISTEN: "0.0.0.0:99999" }, /CABINPAY_CABIN_LISTEN/],
      [{ CABINPAY_CABIN_PEERS: "10.0.0.12:7311" }, /CABINPAY_CABIN_PEERS: "10.0.0.12:7311" is not/],
      [{ CABINPAY_CABIN_PEERS: "ftp://x" }, /is not http\(s\)/],
      [{ CABINPAY_CABIN_PEERS: "http://a", CABINPAY_CABIN_EVERY_MS: "10" }, /CABINPAY_CABIN_EVERY_MS/],
    ] as const)
      expect(() => cabinConfigFromEnv(env)).toThrow(message);
  });
});
