/**
 * Cabin sync between three terminal processes (issue 20): each core in a Node child of its own,
 * as Electron's utility process runs it, with its own database, its own key and its own cabin
 * port on loopback, on the real clock against the real ground. What one trolley sells counts on
 * the other two; a trolley lost mid-flight (its process killed) leaves the other two syncing.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { bearer, call, createFlight, loadFlight, passenger, staffKeys, withTrolleyC } from "@cabinpay/ground-settlement/testing/actors";
import { createTestApp, type TestApp } from "@cabinpay/ground-settlement/testing/app";
import { fromBase64Url, readSpendSnapshot } from "@cabinpay/shared";
import { freePort } from "@cabinpay/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoreProcessPort } from "../src/api/core-channel.js";
import { type CoreClient, connectCore } from "../src/main/core-client.js";
import { tempDir } from "./support/fixtures.js";

const ENTRY = fileURLToPath(new URL("../src/core/process.ts", import.meta.url));
const TROLLEYS = ["A", "B", "C"] as const;
type Trolley = (typeof TROLLEYS)[number];

describe("cabin sync between three terminal processes", () => {
  let t: TestApp;
  const children: ChildProcess[] = [];
  const cores = {} as Record<Trolley, CoreClient>;
  const ids = {} as Record<Trolley, string>;
  let voucherText: string;

  beforeAll(async () => {
    // The children run on the real clock: so does the ground, and the flight leaves in three hours.
    t = await createTestApp("pglite");
    t.clock.nowMs = Date.now();
    const groundUrl = await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { ops } = await staffKeys(t);
    const departureAtMs = t.clock.nowMs + 3 * 3_600_000;
    const date = new Date(departureAtMs).toISOString().slice(0, 10);
    const { flightId } = await createFlight(t, ops, { date, departureAtMs });
    await loadFlight(t, ops, flightId, "CNY", withTrolleyC());
    const holder = await passenger(t, ops, 50_000);
    voucherText = (
      await call(
        t.app,
        { method: "POST", url: "/registrations", headers: bearer(holder.token), payload: { flightId, capMinor: 10_000 } },
        201,
      )
    ).json().voucherText;
    const ports = Object.fromEntries(await Promise.all(TROLLEYS.map(async (trolley) => [trolley, await freePort()] as const)));
    for (const trolley of TROLLEYS) {
      const peers = TROLLEYS.filter((other) => other !== trolley).map((other) => `http://127.0.0.1:${ports[other]}`);
      cores[trolley] = await start({ listen: { host: "127.0.0.1", port: ports[trolley]! }, peers, everyMs: 100 });
      const payload = { name: `Trolley ${trolley}`, flightId, trolleyId: trolley };
      const { code } = (await call(t.app, { method: "POST", url: "/ops/enrolment-codes", headers: bearer(ops), payload }, 201)).json();
      ids[trolley] = (await cores[trolley].api["enrolment/enrol"]({ groundUrl, code })).terminalId;
    }
    for (const trolley of TROLLEYS) {
      await cores[trolley].api["manifest/load-assigned"]({});
      expect(await cores[trolley].api["crew/login"]({ crewId: "C1002", pin: "1357" })).toMatchObject({ ok: true });
    }
  }, 120_000);
  afterAll(async () => {
    for (const child of children) child.kill();
    await t?.close();
  });

  async function start(cabin: { listen: { host: string; port: number }; peers: string[]; everyMs: number }): Promise<CoreClient> {
    const child = fork(ENTRY, [], { execArgv: ["--import", "tsx", "--conditions=@cabinpay/source"], stdio: "inherit" });
    children.push(child);
    const port: CoreProcessPort = {
      postMessage: (message) => child.send(message),
      onMessage: (listener) => child.on("message", listener),
      onExit: (listener) => child.on("exit", (code) => listener(`exit code ${code}`)),
    };
    return connectCore(port, { dataDir: tempDir(), dataKeyHex: randomBytes(32).toString("hex"), cabin }, () => undefined);
  }
  const sell = async (trolley: Trolley, sku: string, quantity: number) => {
    const api = cores[trolley].api;
    await api["cart/set"]({ sku, quantity });
    const result = await api["sale/charge"]({ voucherText });
    if (!result.ok) await api["cart/clear"]({});
    return result;
  };
  /** The version of `author`'s snapshot that `trolley` holds (0: none). */
  const heldVersion = async (trolley: Trolley, author: Trolley) => {
    const { snapshots } = await cores[trolley].api["cabin/exchange"]({ snapshots: [] });
    const held = snapshots.map((text) => readSpendSnapshot(fromBase64Url(text)!)).find((s) => s?.terminalId === ids[author]);
    return held?.version ?? 0;
  };

  it("counts what one process sold on the other two, and goes on between two when one is lost", async () => {
    for (const trolley of TROLLEYS)
      await expect.poll(async () => (await cores[trolley].api["status/get"]({})).cabin?.inTouch, { timeout: 20_000 }).toBe(true);
    // A 100.00 cap: A sells a noodle (48.00); B and C then know 52.00 is left.
    expect(await sell("A", "ML-NOO-100", 1)).toMatchObject({ ok: true, receipt: { remainingCapMinor: 5_200 } });
    for (const trolley of ["B", "C"] as const) await expect.poll(() => heldVersion(trolley, "A"), { timeout: 20_000 }).toBe(2);
    expect(await sell("C", "DR-COF-300", 3)).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 5_200 });
    expect(await sell("C", "DR-COF-300", 2)).toMatchObject({ ok: true, receipt: { remainingCapMinor: 1_200 } });
    // Trolley A is lost (its process killed): B still hears C.
    children[0]!.kill("SIGKILL");
    await expect.poll(() => heldVersion("B", "C"), { timeout: 20_000 }).toBe(2);
    expect(await sell("B", "DR-WAT-304", 2)).toMatchObject({ ok: false, reason: "over_cap", remainingCapMinor: 1_200 });
  }, 90_000);
});
