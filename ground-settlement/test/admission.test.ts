/** Admission control of uploads: a bounded line, first come first served, and "come back at" beyond it. */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../src/errors.js";
import { Admission } from "../src/runtime/admission.js";
import { createFlight, DEPARTURE_MS, enrolTerminal, loadFlight, passenger, register, staffKeys } from "./support/actors.js";
import { createTestApp, type TestApp } from "./support/app.js";
import { CabinTerminal } from "./support/cabin.js";

/** A piece of work the test finishes when it chooses. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** Enters and runs as the upload route does: a place before the body, a turn for the work, the place given up once answered. */
async function upload<T>(admission: Admission, work: () => Promise<T>): Promise<T> {
  const ticket = admission.enter();
  try {
    await ticket.admitted;
    return await admission.run(work);
  } finally {
    ticket.release();
  }
}

describe("admission", () => {
  it("works on at most concurrencyMax at once, lets the rest wait in order, and tells who would wait too long when to come back", async () => {
    const admission = new Admission({ concurrencyMax: 2, queueMax: 1, lineMax: 1, queueWaitMsMax: 60_000 });
    const started: string[] = [];
    const gates = Array.from({ length: 4 }, gate);
    const runs = gates.map((g, i) =>
      upload(admission, async () => {
        started.push(String(i));
        await g.opened;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual(["0", "1"]);
    // Two worked on, one inside waiting its turn, one in line: the fifth is turned away.
    const refused = (() => {
      try {
        return admission.enter();
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "busy", statusCode: 503 });
    expect((refused as ApiError).details).toEqual({ retryAfterMs: expect.any(Number) });
    expect((refused as ApiError & { details: { retryAfterMs: number } }).details.retryAfterMs).toBeGreaterThanOrEqual(250);
    // A turn freed goes to the first in line; a newcomer takes the place freed, behind 3.
    gates[1]!.open();
    await runs[1];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(["0", "1", "2"]);
    const newcomer = upload(admission, async () => {
      started.push("newcomer");
      return "newcomer";
    });
    expect(() => admission.enter()).toThrow(expect.objectContaining({ code: "busy" }));
    for (const g of gates) g.open();
    expect(await Promise.all([...runs, newcomer])).toEqual([0, 1, 2, 3, "newcomer"]);
    expect(started).toEqual(["0", "1", "2", "3", "newcomer"]);
    // All done: the full width is free again.
    expect(await Promise.all([upload(admission, async () => "a"), upload(admission, async () => "b")])).toEqual(["a", "b"]);
  });

  it("keeps those in line outside, bodies unread, until a place inside is given up", async () => {
    const admission = new Admission({ concurrencyMax: 1, queueMax: 1, lineMax: 3, queueWaitMsMax: 60_000 });
    const inside = [admission.enter(), admission.enter()];
    const outside = [admission.enter(), admission.enter(), admission.enter()];
    const admitted: number[] = [];
    outside.forEach(
      (ticket, i) =>
        void ticket.admitted.then(
          () => admitted.push(i),
          () => {},
        ),
    );
    await Promise.all(inside.map((ticket) => ticket.admitted));
    await new Promise((resolve) => setImmediate(resolve));
    expect(admitted).toEqual([]);
    // One in line goes away (its connection closed): it leaves the line, and nobody is let in for it.
    outside[1]!.release();
    await expect(outside[1]!.admitted).rejects.toMatchObject({ code: "busy" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(admitted).toEqual([]);
    // Released twice (answered, then the connection closed) gives up one place, not two.
    inside[0]!.release();
    inside[0]!.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(admitted).toEqual([0]);
    inside[1]!.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(admitted).toEqual([0, 2]);
    for (const ticket of outside) ticket.release();
    // Everyone gone: two places inside again, none waiting.
    const again = [admission.enter(), admission.enter()];
    await Promise.all(again.map((ticket) => ticket.admitted));
    for (const ticket of again) ticket.release();
  });

  it("turns a newcomer away when the line is full, or when the wait ahead is longer than the limit", async () => {
    const full = new Admission({ concurrencyMax: 1, queueMax: 0, lineMax: 1, queueWaitMsMax: 60_000 });
    const tickets = [full.enter(), full.enter()];
    expect(() => full.enter()).toThrow(expect.objectContaining({ code: "busy" }));
    for (const ticket of tickets) ticket.release();
    // The mean run time starts at 200 ms: with one worked on, a second would wait 200 ms.
    const quick = new Admission({ concurrencyMax: 1, queueMax: 5, lineMax: 5, queueWaitMsMax: 100 });
    const first = quick.enter();
    expect(() => quick.enter()).toThrow(expect.objectContaining({ code: "busy" }));
    first.release();
  });

  it("refuses limits that make no sense", () => {
    expect(() => new Admission({ concurrencyMax: 0, queueMax: 1, lineMax: 1, queueWaitMsMax: 1 })).toThrow(RangeError);
    expect(() => new Admission({ concurrencyMax: 1, queueMax: -1, lineMax: 1, queueWaitMsMax: 1 })).toThrow(RangeError);
    expect(() => new Admission({ concurrencyMax: 1, queueMax: 1, lineMax: -1, queueWaitMsMax: 1 })).toThrow(RangeError);
    expect(() => new Admission({ concurrencyMax: 1, queueMax: 1, lineMax: 1, queueWaitMsMax: -1 })).toThrow(RangeError);
  });
});

/** Four terminals, trolleys A and B of two flights (one terminal per trolley), 200 sales each, landed. */
async function fourCabins(t: TestApp): Promise<CabinTerminal[]> {
  const keys = await staffKeys(t);
  const cabins: CabinTerminal[] = [];
  for (const number of ["8850", "8852"]) {
    const { flightId } = await createFlight(t, keys.ops, { number });
    await loadFlight(t, keys.ops, flightId);
    const who = await passenger(t, keys.ops, 50_000);
    const { voucherText } = await register(t, who.token, flightId, 30_000);
    for (const trolleyId of ["A", "B"]) {
      const terminal = await enrolTerminal(t, keys.ops, flightId, trolleyId);
      const cabin = new CabinTerminal(t, terminal, flightId, { carrier: "9C", number, date: "2026-12-01" }, trolleyId);
      for (let i = 0; i < 200; i++) cabin.sale(voucherText, [{ sku: "DR-WAT-304", quantity: 1, unitPriceMinor: 100 }]);
      cabins.push(cabin);
    }
  }
  t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000;
  return cabins;
}

describe("uploads when the ground is busy", () => {
  let t: TestApp;
  let cabins: CabinTerminal[];

  beforeAll(async () => {
    t = await createTestApp("postgres", { INGEST_CONCURRENCY: "1", INGEST_QUEUE_MAX: "0", INGEST_LINE_MAX: "0" });
    cabins = await fourCabins(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it("answers 503 busy with Retry-After to what it cannot take now, stores none of it, and takes it when it comes back", async () => {
    const answers = await Promise.all(cabins.map((cabin) => cabin.upload()));
    const busy = answers.filter((a) => a.statusCode === 503);
    expect(answers.filter((a) => a.statusCode === 200).length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    for (const answer of busy) {
      expect(answer.json()).toMatchObject({ code: "busy", details: { retryAfterMs: expect.any(Number) } });
      expect(Number(answer.headers["retry-after"])).toBe(Math.ceil(answer.json().details.retryAfterMs / 1000));
    }
    // Coming back, one after the other: each is taken whole, once.
    for (const [index, cabin] of cabins.entries()) {
      const again = await cabin.upload();
      expect(again.statusCode).toBe(200);
      const outcomes = again.json().records.map((r: { outcome: string }) => r.outcome);
      expect(new Set(outcomes)).toEqual(new Set([answers[index]!.statusCode === 200 ? "duplicate" : "accepted"]));
    }
  });
});

describe("uploads waiting in line", () => {
  let t: TestApp;
  let cabins: CabinTerminal[];

  beforeAll(async () => {
    t = await createTestApp("postgres", { INGEST_CONCURRENCY: "1", INGEST_QUEUE_MAX: "0", INGEST_LINE_MAX: "8" });
    cabins = await fourCabins(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it("takes every upload of a burst one after the other, none turned away, each whole and once", async () => {
    const answers = await Promise.all(cabins.map((cabin) => cabin.upload()));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    for (const answer of answers)
      expect(new Set(answer.json().records.map((r: { outcome: string }) => r.outcome))).toEqual(new Set(["accepted"]));
    const again = await Promise.all(cabins.map((cabin) => cabin.upload()));
    for (const answer of again)
      expect(new Set(answer.json().records.map((r: { outcome: string }) => r.outcome))).toEqual(new Set(["duplicate"]));
  });
});

describe("the line over real connections", () => {
  let t: TestApp;
  let cabins: CabinTerminal[];
  let port: number;

  beforeAll(async () => {
    t = await createTestApp("postgres", { INGEST_CONCURRENCY: "1", INGEST_QUEUE_MAX: "0", INGEST_LINE_MAX: "1" });
    cabins = await fourCabins(t);
    port = Number(new URL(await t.app.listen({ port: 0, host: "127.0.0.1" })).port);
  });
  afterAll(async () => {
    await t.close();
  });

  /** An upload on a connection of its own, its body sent up to `bodyBytes`; `rest` sends the rest. */
  function upload(cabin: CabinTerminal, bodyBytes = Number.POSITIVE_INFINITY) {
    const signed = cabin.terminal.request("POST", `/terminal/flights/${cabin.flightId}/batches`, { body: Buffer.from(cabin.batch()) });
    const body = signed.payload as Buffer;
    const headers = Object.entries(signed.headers ?? {}).map(([name, value]) => `${name}: ${String(value)}`);
    const head = [
      `POST ${signed.url} HTTP/1.1`,
      `host: 127.0.0.1:${port}`,
      `content-length: ${body.length}`,
      ...headers,
      "connection: close",
    ];
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write(`${head.join("\r\n")}\r\n\r\n`);
    const sent = Math.min(body.length, bodyBytes);
    socket.write(body.subarray(0, sent));
    const answer = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk;
      });
      socket.on("close", () => resolve(text.split("\r\n")[0]!));
    });
    return { socket, answer, rest: () => socket.write(body.subarray(sent)) };
  }
  const moment = () => new Promise((resolve) => setTimeout(resolve, 1_000));

  it("turns a newcomer away while the one place inside and the one in line are taken, and gives a place back when its connection goes", async () => {
    // Two uploads stalled halfway through their body: one inside, reading it; one waiting in line.
    const first = upload(cabins[0]!, 100);
    await moment();
    const second = upload(cabins[1]!, 100);
    await moment();
    expect(await upload(cabins[2]!).answer).toBe("HTTP/1.1 503 Service Unavailable");
    // The second goes away: whichever place it held is given back, and a newcomer waits in it.
    second.socket.destroy();
    await moment();
    const fourth = upload(cabins[3]!);
    await moment();
    first.rest();
    expect(await first.answer).toBe("HTTP/1.1 200 OK");
    expect(await fourth.answer).toBe("HTTP/1.1 200 OK");
  }, 60_000);
});
