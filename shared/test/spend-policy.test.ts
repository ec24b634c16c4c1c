/**
 * What a terminal may approve for a voucher, per policy: in touch, the cap less everything known;
 * apart with `full`, the same; apart with `share`, at most its share of what was unspent when it
 * was last in touch, so that the K trolleys' allowances together never pass that.
 */
import { allowanceMinor } from "@cabinpay/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("the spend policy", () => {
  it("allows the cap less all known spend when in touch, or apart under `full`; never less than nothing", () => {
    fc.assert(
      fc.property(
        fc.nat(100_000),
        fc.nat(100_000),
        fc.nat(100_000),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        (cap, here, elsewhere, k, inTouch) => {
          const full = allowanceMinor({
            policy: "full",
            capMinor: cap,
            spentHereMinor: here,
            spentElsewhereMinor: elsewhere,
            trolleys: k,
            inTouch,
          });
          expect(full).toBe(Math.max(0, cap - here - elsewhere));
          const shared = allowanceMinor({
            policy: "share",
            capMinor: cap,
            spentHereMinor: here,
            spentElsewhereMinor: elsewhere,
            trolleys: k,
            inTouch,
          });
          if (inTouch) expect(shared).toBe(full);
          else expect(shared).toBeLessThanOrEqual(full);
          expect(shared).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it("apart under `share`, lets the K trolleys together spend no more than was unspent when they parted", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 5_000 }), { maxLength: 60 }),
        fc.nat(),
        (cap, k, charges, seed) => {
          // They parted with `spentThen` known to all; then each sells alone, trying every charge.
          const spentThen = seed % (cap + 1);
          const here = Array.from({ length: k }, (_, t) => (t === 0 ? spentThen : 0));
          const then = here.map((h) => ({ spentHereMinor: h, spentTotalMinor: spentThen }));
          charges.forEach((charge, i) => {
            const t = i % k;
            const allowed = allowanceMinor({
              policy: "share",
              capMinor: cap,
              spentHereMinor: here[t]!,
              spentElsewhereMinor: spentThen - then[t]!.spentHereMinor,
              trolleys: k,
              inTouch: false,
              lastInTouch: then[t]!,
            });
            if (charge <= allowed) here[t]! += charge;
          });
          const spentApart = here.reduce((sum, h) => sum + h, 0) - spentThen;
          expect(spentThen + spentApart).toBeLessThanOrEqual(Math.max(cap, spentThen));
        },
      ),
    );
  });
});
