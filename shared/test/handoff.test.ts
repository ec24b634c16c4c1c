/**
 * Cabin sync's QR hand-off: the frames carry the snapshots whole whatever order and however often
 * they are scanned; a frame of another hand-off starts over; a part changed in transit, a stranger's
 * text or a part out of bounds is refused, never taken.
 */
import { HANDOFF_FRAME_BYTES, HandoffCollector, handoffFrames } from "@cabinpay/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const snapshotsArb = fc.array(fc.uint8Array({ minLength: 1, maxLength: 3_000 }), { minLength: 1, maxLength: 5 });

describe("the QR hand-off between trolleys", () => {
  it("gives back the snapshots whole, in any order of frames and with repeats", () => {
    fc.assert(
      fc.property(snapshotsArb, fc.func(fc.nat()), fc.nat(3), (snapshots, order, repeats) => {
        const frames = handoffFrames(snapshots);
        const shown = [...frames, ...frames.slice(0, repeats)].sort((a, b) => order(a) - order(b));
        const collector = new HandoffCollector();
        const results = shown.map((frame) => collector.add(frame));
        const complete = results.filter((r) => r.status === "complete");
        expect(complete.length).toBeGreaterThanOrEqual(1);
        expect(complete[0]).toEqual({ status: "complete", snapshots: snapshots.map((s) => Uint8Array.from(s)) });
      }),
      { numRuns: 100 },
    );
  });

  it("draws every frame in QR alphanumeric characters, a part of the payload each", () => {
    const frames = handoffFrames([new Uint8Array(5_000).fill(7)]);
    expect(frames).toHaveLength(Math.ceil((1 + 4 + 5_000) / HANDOFF_FRAME_BYTES));
    for (const frame of frames) expect(frame).toMatch(/^[0-9A-Z $%*+\-./:]+$/);
    expect(frames[0]).toMatch(/^CPH1:1\/13:[0-9A-F]{16}:/);
  });

  it("says how far it has got, and starts over on a frame of another hand-off", () => {
    const first = handoffFrames([new Uint8Array(1_000).fill(1)]);
    const second = handoffFrames([new Uint8Array(1_000).fill(2)]);
    const collector = new HandoffCollector();
    expect(collector.add(first[0]!)).toEqual({ status: "partial", have: 1, of: 3 });
    expect(collector.add(first[1]!)).toEqual({ status: "partial", have: 2, of: 3 });
    expect(collector.add(second[2]!)).toEqual({ status: "partial", have: 1, of: 3 });
    expect(collector.add(`${second[0]!}\r\n`)).toEqual({ status: "partial", have: 2, of: 3 });
    expect(collector.add(second[1]!)).toMatchObject({ status: "complete", snapshots: [new Uint8Array(1_000).fill(2)] });
  });

  it("refuses a part changed in transit, a stranger's text and a part out of bounds", () => {
    const frames = handoffFrames([new Uint8Array(500).fill(3)]);
    const collector = new HandoffCollector();
    collector.add(frames[0]!);
    // One Base45 character changed: the parts no longer hash to the set id.
    const last = frames[1]!;
    const changed = `${last.slice(0, -3)}${last.at(-3) === "0" ? "1" : "0"}${last.slice(-2)}`;
    expect(collector.add(changed).status).toBe("invalid");
    for (const text of ["CP2:abc", "", "CPH1:0/2:0123456789ABCDEF:00", "CPH1:3/2:0123456789ABCDEF:00", "CPH1:1/99999:0123456789ABCDEF:00"])
      expect(collector.add(text).status, text).toBe("invalid");
    expect(() => handoffFrames([])).toThrow(/1 to 16 snapshots/);
  });
});
