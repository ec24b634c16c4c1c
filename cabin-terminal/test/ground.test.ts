/**
 * The terminal core against the real ground service (HTTP on a real port): enrol with a one-time
 * code, download the signed manifest, sell offline, upload after landing — cut off and resumed.
 */
import { join } from "node:path";
import { saleRecords } from "@cabinpay/ground-settlement/internal/db/schema/uploads";
import { DEPARTURE_MS } from "@cabinpay/ground-settlement/testing/actors";
import type { TestApp } from "@cabinpay/ground-settlement/testing/app";
import { newId } from "@cabinpay/shared";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crewLogin } from "../src/core/crew/login.js";
import { type OpenedDatabase, openTerminalDatabase } from "../src/core/db/open.js";
import { records } from "../src/core/db/schema.js";
import { TerminalError } from "../src/core/errors.js";
import { type LoadedFlight, loadFlight } from "../src/core/flight/load.js";
import { enrolWithGround, type GroundClient, groundClient } from "../src/core/ground/client.js";
import { uploadFlight } from "../src/core/ground/upload.js";
import { ChainGuard } from "../src/core/integrity/anchor.js";
import { fileKeyStore } from "../src/core/keys/key-store.js";
import { voidSale } from "../src/core/sales/reverse.js";
import { charge, closeService, type Seller } from "../src/core/sales/sell.js";
import { tempDir } from "./support/fixtures.js";
import { type GroundWithFlight, groundWithFlight } from "./support/ground.js";

const FLIGHT = { carrier: "9C", number: "8850", date: "2026-12-01" };
const noSleep = async () => {};

describe("the terminal core with the real ground service", () => {
  let t: TestApp;
  let groundUrl: string;
  let flightId: string;
  let voucherText: string;
  let terminal: OpenedDatabase;
  let client: GroundClient;
  let flight: LoadedFlight;
  const dir = tempDir();
  const keys = fileKeyStore(join(dir, "device.key"));

  let ground: GroundWithFlight;

  beforeAll(async () => {
    ground = await groundWithFlight({ capMinor: 60_000, seat: "12C" });
    ({ t, groundUrl, flightId, voucherText } = ground);
    terminal = openTerminalDatabase(join(dir, "terminal.db"));
  });
  afterAll(async () => {
    terminal.close();
    await t.close();
  });

  const now = () => t.clock.nowMs;
  const options = { timeoutMs: 10_000 };

  it("enrols with a one-time code and downloads a manifest that verifies", async () => {
    const code = await ground.enrolmentCode();
    const answer = await enrolWithGround(terminal.db, keys, { groundUrl, code, nowMs: now() }, options);
    expect(answer).toMatchObject({ name: "Trolley A", groundUrl });
    await expect(enrolWithGround(terminal.db, keys, { groundUrl, code, nowMs: now() }, options)).rejects.toMatchObject({
      code: "ground_refused",
      ground: { status: 401, code: "enrolment_code_invalid" },
    });
    client = groundClient(terminal.db, keys, { ...options, now });
    expect(await client.flightId(FLIGHT)).toBe(flightId);
    flight = loadFlight(terminal.db, { manifestBytes: await client.manifest(flightId), trolleyId: "A", nowMs: now() });
    expect(flight.manifest.catalog.length).toBeGreaterThan(10);
  });

  it("refuses an answer that is not in the shared envelope, saying so, rather than reading it", async () => {
    const bent: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes("/chain")) return response;
      const body = (await response.json()) as Record<string, unknown>;
      return Response.json({ ...body, headHash: "not a hash" });
    };
    const bentClient = groundClient(terminal.db, keys, { ...options, fetch: bent, now });
    await expect(bentClient.chain(flightId)).rejects.toMatchObject({
      code: "ground_refused",
      message: expect.stringContaining("unexpected shape"),
    });
    expect((await client.chain(flightId)).headHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("sells offline, then uploads after landing, cut off and resumed, until the ground holds exactly its records", async () => {
    t.clock.nowMs = DEPARTURE_MS + 3_600_000; // in the air
    const guard = new ChainGuard(terminal.db, keys);
    guard.open();
    const purserLogin = crewLogin(guard, {
      flightKey: flight.flightKey,
      manifest: flight.manifest,
      crewId: "C1001",
      pin: "2468",
      nowMs: now(),
    });
    if (!purserLogin.ok) throw new Error("login");
    const seller: Seller = {
      terminalId: client.terminalId,
      signer: client.signer,
      crew: { crewId: purserLogin.crewId, role: purserLogin.role },
      newId,
    };
    const receipts = [];
    for (const sku of ["DF-CHO-040", "DR-COF-300", "ML-NOO-100", "SN-NUT-200", "DR-TEA-301"]) {
      const result = charge(terminal.db, flight, seller, [{ sku, quantity: 1 }], voucherText, now());
      if (!result.ok) throw new Error(`${sku}: ${result.reason} ${result.detail}`);
      expect(result.receipt.seat).toBe("12C");
      receipts.push(result.receipt);
    }
    expect(voidSale(terminal.db, flight, seller, { saleRecordId: receipts[1]!.recordId, reason: "wrong_item" }, now()).ok).toBe(true);
    expect(closeService(terminal.db, flight, seller, now()).ok).toBe(true);
    const total = terminal.db.select().from(records).all().length;
    expect(total).toBe(7);

    t.clock.nowMs = DEPARTURE_MS + 3 * 3_600_000; // landed
    const progress: number[] = [];
    const uploadOptions = {
      batchSizeMax: 2,
      attemptsMax: 1,
      backoffInitialMs: 10,
      backoffMsMax: 100,
      busyWaitMsMax: 0,
      sleep: noSleep,
      onProgress: (p: { sentRecords: number }) => progress.push(p.sentRecords),
    };

    // The connection drops before the second batch: the first is stored and acknowledged.
    let uploads = 0;
    const cutting: typeof fetch = async (input, init) => {
      if (String(input).includes("/batches") && ++uploads === 2) throw new TypeError("connection reset");
      return fetch(input, init);
    };
    const cut = groundClient(terminal.db, keys, { ...options, fetch: cutting, now });
    await expect(uploadFlight(terminal.db, flight, cut, now, uploadOptions)).rejects.toMatchObject({ code: "ground_unreachable" });
    expect(
      terminal.db
        .select()
        .from(records)
        .all()
        .filter((r) => r.uploadedAtMs !== null)
        .map((r) => r.sequence),
    ).toEqual([1, 2]);

    // The answer to the third batch is lost after the ground stored it.
    const losing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).includes("/batches")) throw new TypeError("answer lost");
      return response;
    };
    await expect(
      uploadFlight(terminal.db, flight, groundClient(terminal.db, keys, { ...options, fetch: losing, now }), now, uploadOptions),
    ).rejects.toBeInstanceOf(TerminalError);

    // A 503 from the ground is retried with backoff; a busy ground is waited for as long as it
    // asks (spread by up to half again), without using up attempts; then everything arrives, once.
    let failures = 0;
    const flaky: typeof fetch = async (input, init) => {
      const failure = String(input).includes("/batches") ? failures++ : 3;
      if (failure < 3)
        return new Response(
          JSON.stringify(
            failure === 0
              ? { code: "unavailable", message: "Redis is away" }
              : { code: "busy", message: "come back", details: { retryAfterMs: 1_000 } },
          ),
          { status: 503, headers: { "content-type": "application/json" } },
        );
      return fetch(input, init);
    };
    const slept: number[] = [];
    const summary = await uploadFlight(terminal.db, flight, groundClient(terminal.db, keys, { ...options, fetch: flaky, now }), now, {
      ...uploadOptions,
      attemptsMax: 2,
      busyWaitMsMax: 2_500,
      random: () => 0.5,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    expect(slept).toEqual([10, 1_250, 1_250]);
    expect(summary).toMatchObject({ nextSequence: 8, serviceClosed: true, rejected: [] });
    expect(progress.at(-1)).toBe(7);
    const mine = terminal.db.select().from(records).orderBy(records.sequence).all();
    expect(mine.every((r) => r.uploadedAtMs !== null)).toBe(true);
    expect(mine.filter((r) => r.uploadOutcome === "duplicate").map((r) => r.sequence)).toEqual([3, 4]); // held by the ground since the lost answer

    const held = await t.db
      .select()
      .from(saleRecords)
      .where(and(eq(saleRecords.terminalId, client.terminalId), eq(saleRecords.flightId, flightId)))
      .orderBy(saleRecords.sequence);
    expect(held.map((r) => Buffer.from(r.bytes).toString("hex"))).toEqual(mine.map((r) => Buffer.from(r.bytes).toString("hex")));
    // The head the ground holds is this terminal's own last record.
    expect(await client.chain(flightId)).toEqual({
      nextSequence: 8,
      headHash: Buffer.from(mine.at(-1)!.hash).toString("hex"),
      serviceClosed: true,
    });
  });
});
