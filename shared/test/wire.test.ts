/** The terminal's envelopes: what the ground answers passes, anything else is refused with where. */
import {
  AssignmentsAnswer,
  ChainAnswer,
  checkAnswer,
  checkedOrUndefined,
  ErrorAnswer,
  SequenceGapDetails,
  UploadAnswer,
} from "@cabinpay/shared/wire";
import { describe, expect, it } from "vitest";

const RECORD_ID = "0190f8a0-0000-7000-8000-000000000001";

describe("the wire envelopes of /terminal/*", () => {
  it("take an upload answer as the ground sends it, and refuse one with a wrong outcome or a missing field", () => {
    const good = { records: [{ sequence: 1, recordId: RECORD_ID, outcome: "accepted" }], nextSequence: 2, serviceClosed: false };
    expect(checkAnswer(UploadAnswer, good)).toEqual({ ok: true, value: good });
    expect(checkAnswer(UploadAnswer, { ...good, records: [{ ...good.records[0], outcome: "maybe" }] }).ok).toBe(false);
    const missing = checkAnswer(UploadAnswer, { records: [], serviceClosed: false });
    expect(missing).toMatchObject({ ok: false, detail: expect.stringContaining("nextSequence") });
  });

  it("refuse a chain head that is not 32 bytes of hex, and assignments of a carrier that is none", () => {
    expect(checkAnswer(ChainAnswer, { nextSequence: 1, serviceClosed: false, headHash: "00" }).ok).toBe(false);
    const assignment = {
      flightId: RECORD_ID,
      carrier: "9C8",
      number: "8850",
      date: "2026-12-01",
      origin: "PVG",
      destination: "HKG",
      departureAtMs: 0,
      trolleyId: "A",
      rotation: null,
    };
    expect(checkAnswer(AssignmentsAnswer, { assignments: [assignment] }).ok).toBe(false);
    expect(checkAnswer(AssignmentsAnswer, { assignments: [{ ...assignment, carrier: "9C" }] }).ok).toBe(true);
  });

  it("read an error's code whoever sent it, and a gap's details only when they are a sequence", () => {
    expect(checkedOrUndefined(ErrorAnswer, { code: "busy", message: "come back" })).toEqual({ code: "busy", message: "come back" });
    expect(checkedOrUndefined(ErrorAnswer, { message: "no code" })).toBeUndefined();
    expect(checkedOrUndefined(SequenceGapDetails, { nextSequence: 7 })).toEqual({ nextSequence: 7 });
    expect(checkedOrUndefined(SequenceGapDetails, { nextSequence: "7" })).toBeUndefined();
  });
});
