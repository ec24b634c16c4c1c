/**
 * A stand-in for the cabin terminal core in ground tests: a chain of records (`RecordChain`)
 * uploaded to the test app with the terminal's signed requests.
 */
import { type FlightRef, makeSpendSnapshot, type SpendEntry, toBase64Url } from "@cabinpay/shared";
import { RecordChain } from "@cabinpay/testkit/record-chain";
import type { LightMyRequestResponse } from "fastify";
import type { TestTerminal } from "./actors.js";
import type { TestApp } from "./app.js";

export const FLIGHT_9C8850: FlightRef = { carrier: "9C", number: "8850", date: "2026-12-01" };

export class CabinTerminal extends RecordChain {
  constructor(
    private readonly t: TestApp,
    readonly terminal: TestTerminal,
    readonly flightId: string,
    flight: FlightRef = FLIGHT_9C8850,
    trolleyId = "A",
  ) {
    super(terminal, flight, trolleyId, () => t.clock.nowMs);
  }

  upload(bytes: Uint8Array = this.batch()): Promise<LightMyRequestResponse> {
    return this.t.app.inject(this.terminal.request("POST", `/terminal/flights/${this.flightId}/batches`, { body: Buffer.from(bytes) }));
  }

  /** Cabin sync's signed counters of `of` (this terminal, or a peer it heard) as of its first `records` records. */
  counters(entries: readonly SpendEntry[], records = this.records.length, of: TestTerminal = this.terminal): string {
    const sorted = [...entries].sort((a, b) => (a.voucherId < b.voucherId ? -1 : 1));
    const content = {
      flight: this.flight,
      terminalId: of.terminalId,
      version: records + 1,
      createdAtMs: this.t.clock.nowMs,
      entries: sorted,
    };
    return toBase64Url(makeSpendSnapshot(content, of.certificate, of.signer).bytes);
  }

  /** After the upload: the counters this terminal holds, down to the ground. */
  sendCounters(snapshots: readonly string[]): Promise<LightMyRequestResponse> {
    const body = Buffer.from(JSON.stringify({ snapshots }));
    return this.t.app.inject(
      this.terminal.request("POST", `/terminal/flights/${this.flightId}/cabin-counters`, { body, contentType: "application/json" }),
    );
  }
}
