/**
 * Cabin sync simulation (issue 20): a flight of 2 to 4 trolleys and 150 to 300 passengers over a
 * three-hour service. Trolleys walk the aisle; passengers buy from the one passing their row, some
 * trying to spend more than their cap; links between trolleys come and go. Each trolley decides
 * with the real rule (`allowanceMinor`) on the real merged view (`mergeCabin`, `spentOf`) of the
 * snapshots it heard. Printed: over-cap exposure (what the trolleys approved together beyond each
 * voucher's cap, summed) and declines a single terminal knowing everything would not have given,
 * per policy and link quality. Seeded: the same figures every run.
 */
import { allowanceMinor, type CabinSpend, mergeCabin, type SpendPolicy, spentOf, type Versioned } from "@cabinpay/shared";

const MINUTES = 180;
/** "In touch": every other trolley heard within this. */
const FRESH_MINUTES = 2;
const LINKS = [
  { name: "always up", upShare: 1 },
  { name: "up 70% of minutes", upShare: 0.7 },
  { name: "up 20% of minutes", upShare: 0.2 },
  { name: "never up", upShare: 0 },
] as const;

interface Outcome {
  readonly exposureMinor: number;
  readonly approvedMinor: number;
  readonly extraDeclines: number;
  readonly sales: number;
}

export function runCabinBench(): void {
  console.log("\nCabin sync simulation: over-cap exposure and declines a single all-knowing terminal would not give (3 h service)");
  console.log(
    `${"trolleys · passengers · links".padEnd(40)}${"policy".padEnd(8)}${"exposure CNY".padStart(14)}${"of sales".padStart(10)}${"extra declines".padStart(16)}`,
  );
  for (const [trolleys, passengers] of [
    [2, 150],
    [3, 220],
    [4, 300],
  ] as const) {
    for (const link of LINKS) {
      for (const policy of ["full", "share"] as const) {
        const outcome = simulate({ trolleys, passengers, upShare: link.upShare, policy, seed: trolleys * 7919 + passengers });
        const share = outcome.approvedMinor === 0 ? 0 : (100 * outcome.exposureMinor) / outcome.approvedMinor;
        const floor = link.upShare === 1 ? (outcome.exposureMinor === 0 ? "  (floor 0: met)" : "  (floor 0: NOT MET)") : "";
        console.log(
          `${`${trolleys} · ${passengers} · ${link.name}`.padEnd(40)}${policy.padEnd(8)}${(outcome.exposureMinor / 100).toFixed(2).padStart(14)}${`${share.toFixed(1)}%`.padStart(10)}${`${outcome.extraDeclines} of ${outcome.sales}`.padStart(16)}${floor}`,
        );
      }
    }
  }
}

interface Trolley {
  spent: Map<string, number>;
  version: number;
  view: CabinSpend;
  heardAt: Map<number, number>;
  lastInTouch: Map<string, { spentHereMinor: number; spentTotalMinor: number }>;
}

function simulate(options: { trolleys: number; passengers: number; upShare: number; policy: SpendPolicy; seed: number }): Outcome {
  const random = seeded(options.seed);
  const caps = Array.from({ length: options.passengers }, () => 10_000 * (1 + Math.floor(random() * 6)));
  const ids = caps.map((_, i) => `v${String(i).padStart(4, "0")}`);
  const trueSpent = new Map<string, number>();
  const trolleys: Trolley[] = Array.from({ length: options.trolleys }, () => ({
    spent: new Map(),
    version: 0,
    view: new Map(),
    heardAt: new Map(),
    lastInTouch: new Map(),
  }));
  let approvedMinor = 0;
  let extraDeclines = 0;
  let sales = 0;
  for (let minute = 0; minute < MINUTES; minute++) {
    const up = linksThisMinute(options.trolleys, options.upShare, random);
    for (let t = 0; t < trolleys.length; t++) exchange(trolleys, t, up, minute);
    trolleys.forEach((trolley, t) => {
      const inTouch = trolleys.every((_, other) => other === t || minute - (trolley.heardAt.get(other) ?? -Infinity) <= FRESH_MINUTES);
      // The trolley passes a few rows a minute; each passenger there may buy.
      for (let k = 0; k < 2; k++) {
        const p = Math.floor(random() * options.passengers);
        const voucher = ids[p]!;
        const chargeMinor = 500 * (1 + Math.floor(random() * 20));
        const spentHereMinor = trolley.spent.get(voucher) ?? 0;
        const spentElsewhereMinor = spentOf(trolley.view, voucher, String(t));
        if (inTouch) trolley.lastInTouch.set(voucher, { spentHereMinor, spentTotalMinor: spentHereMinor + spentElsewhereMinor });
        const allowed = allowanceMinor({
          policy: options.policy,
          capMinor: caps[p]!,
          spentHereMinor,
          spentElsewhereMinor,
          trolleys: options.trolleys,
          inTouch,
          ...(trolley.lastInTouch.has(voucher) ? { lastInTouch: trolley.lastInTouch.get(voucher)! } : {}),
        });
        sales++;
        const cabinLeft = caps[p]! - (trueSpent.get(voucher) ?? 0);
        if (chargeMinor > allowed) {
          if (chargeMinor <= cabinLeft) extraDeclines++;
          continue;
        }
        trolley.spent.set(voucher, spentHereMinor + chargeMinor);
        trueSpent.set(voucher, (trueSpent.get(voucher) ?? 0) + chargeMinor);
        approvedMinor += chargeMinor;
        trolley.version++;
        // After each sale the terminal tells every trolley it can reach (`nudge`).
        exchange(trolleys, t, up, minute);
      }
    });
  }
  const exposureMinor = ids.reduce((sum, voucher, p) => sum + Math.max(0, (trueSpent.get(voucher) ?? 0) - caps[p]!), 0);
  return { exposureMinor, approvedMinor, extraDeclines, sales };
}

/** Which pairs of trolleys can talk this minute (`up[a][b]`). */
function linksThisMinute(count: number, upShare: number, random: () => number): boolean[][] {
  const up = Array.from({ length: count }, () => Array.from({ length: count }, () => false));
  for (let a = 0; a < count; a++)
    for (let b = a + 1; b < count; b++) {
      const linked = random() < upShare;
      up[a]![b] = linked;
      up[b]![a] = linked;
    }
  return up;
}

/** Trolley `t` exchanges with each it can reach: its own snapshot and everything it heard, both ways. */
function exchange(trolleys: Trolley[], t: number, up: boolean[][], minute: number): void {
  const x = trolleys[t]!;
  for (let u = 0; u < trolleys.length; u++) {
    if (u === t || !up[t]![u]) continue;
    const y = trolleys[u]!;
    const merged = mergeCabin(mergeCabin(x.view, y.view), new Map([own(x, t), own(y, u)]));
    x.view = merged;
    y.view = merged;
    x.heardAt.set(u, minute);
    y.heardAt.set(t, minute);
  }
}

function own(trolley: Trolley, index: number): [string, Versioned] {
  const entries = [...trolley.spent]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([voucherId, approvedMinor]) => ({ voucherId, approvedMinor, givenBackMinor: 0 }));
  return [String(index), { terminalId: String(index), version: trolley.version, bytes: new Uint8Array([index]), entries }];
}

/** Mulberry32: a small seeded generator, so every run prints the same figures. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
