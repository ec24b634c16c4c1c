/**
 * What the demo does for the crew when asked (`s`, `l`), through the same `TerminalApi` the crew UI
 * uses: ring up a sample sale on the current leg, and "land" it: close the service as the purser,
 * upload, wait until the ground shows the leg settled, then open the rotation's next leg.
 */
import type { TerminalApi } from "@cabinpay/cabin-terminal/internal/api/contract";
import { DEMO_CREW, type DemoAirline, type DemoLeg } from "@cabinpay/ground-settlement/internal/demo/seed";
import { flightKey, formatMoney, money } from "@cabinpay/shared";

const SETTLED_WAIT_MS = 90_000;
const cny = (minor: number) => formatMoney(money(minor, "CNY"), "en");

async function logInAs(core: TerminalApi, role: "purser" | "crew"): Promise<void> {
  const status = await core["status/get"]({});
  if (status.crew !== undefined && (role === "crew" || status.crew.role === "purser")) return;
  if (status.crew !== undefined) await core["crew/logout"]({});
  const member = DEMO_CREW.find((c) => c.role === role)!;
  const login = await core["crew/login"]({ crewId: member.crewId, pin: member.pin });
  if (!login.ok) throw new Error(`the demo ${role} could not log in: ${JSON.stringify(login)}`);
}

/** The demo leg the terminal sells on now. */
function currentLeg(legs: readonly DemoLeg[], key: string | undefined): DemoLeg {
  const leg = legs.find(({ flight }) => flightKey({ carrier: flight.carrier, number: flight.number, date: flight.flightDate }) === key);
  if (leg === undefined) throw new Error(`the demo terminal is on ${key ?? "no flight"}, not a leg of the demo rotation`);
  return leg;
}

/** A drink and a meal to the next demo passenger of the current leg in turn; returns what to print. */
export async function sampleSale(core: TerminalApi, demo: DemoAirline, turn: number): Promise<string> {
  const status = await core["status/get"]({});
  if (status.flight?.serviceClosed === true) return "The service is closed: no more sales on this leg.";
  const { passengers } = currentLeg(demo.legs, status.flight?.flightKey);
  await logInAs(core, "crew");
  const catalog = await core["catalog/list"]({});
  const cheapest = (category: string) =>
    catalog.filter((item) => item.category === category && item.stockLeft > 0).sort((a, b) => a.priceMinor - b.priceMinor)[0];
  const items = [cheapest("drink"), cheapest("meal")].filter((item) => item !== undefined);
  if (items.length === 0) return "Nothing left on the trolley to sell.";
  await core["cart/clear"]({});
  for (const item of items) await core["cart/add"]({ sku: item.sku });
  const buyer = passengers[turn % passengers.length]!;
  const result = await core["sale/charge"]({ voucherText: buyer.voucherText });
  const what = `${items.map((item) => item.nameEn).join(" + ")} to ${buyer.name} (${buyer.seat})`;
  if (!result.ok) {
    await core["cart/clear"]({});
    return `Sample sale of ${what}: declined (${result.reason}: ${result.detail})`;
  }
  return `Sample sale of ${what}: approved, ${cny(result.receipt.totalMinor)}, cap left ${cny(result.receipt.remainingCapMinor)}`;
}

/** Closes the current leg's service (as the purser), uploads, waits for the ground to settle it, then opens the next leg. */
export async function land(
  core: TerminalApi,
  ground: { url: string; financeApiKey: string; legs: readonly DemoLeg[] },
  say: (line: string) => void,
): Promise<void> {
  const status = await core["status/get"]({});
  if (status.flight === undefined) throw new Error("no flight is loaded on the demo terminal");
  const { flight: leg } = currentLeg(ground.legs, status.flight.flightKey);
  if (!status.flight.serviceClosed) {
    await logInAs(core, "purser");
    await core["service/close"]({});
    say(`Service of ${leg.carrier}${leg.number} closed by the purser: the terminal takes no more sales on it.`);
  }
  const upload = await core["sync/upload"]({});
  say(
    `Uploaded ${upload.sent} records: ${upload.accepted} accepted, ${upload.duplicate} already there, ${upload.rejected.length} refused.`,
  );
  const deadline = Date.now() + SETTLED_WAIT_MS;
  for (;;) {
    const flight = await financeFlight({ ...ground, flightId: leg.id });
    if (flight !== undefined && (flight.status === "settled" || flight.status === "needs_attention")) {
      say(
        `Flight ${leg.carrier}${leg.number} ${flight.status === "settled" ? "settled" : "settled, with items needing attention"}: sold ${cny(flight.approvedMinor)}, debited ${cny(flight.debitedMinor)}.`,
      );
      say(`Finance: ${ground.url}/app/finance/flights/${leg.id} · passengers: ${ground.url}/app/passenger (statements)`);
      await openNextLeg(core, say);
      return;
    }
    if (Date.now() > deadline) {
      say(
        `Not settled after ${SETTLED_WAIT_MS / 1000} s (status ${flight?.status ?? "unknown"}): the flight closes once every enrolled terminal has closed its service and uploaded. Press l again after landing the others.`,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The rotation's next leg, if there is one: its trolley opens with what this leg left. */
async function openNextLeg(core: TerminalApi, say: (line: string) => void): Promise<void> {
  const next = (await core["status/get"]({})).flight?.rotation?.nextFlightKey;
  if (next === undefined) {
    say("That was the last leg of the rotation.");
    return;
  }
  await core["service/open-next"]({});
  say(`Next leg ${next} opened: the trolley flies on with what was left. Type s to sell on it, l to land it.`);
}

interface FinanceFlightRow {
  flight: { flightId: string };
  status: string;
  approvedMinor: number;
  debitedMinor: number;
}

async function financeFlight(ground: { url: string; financeApiKey: string; flightId: string }): Promise<FinanceFlightRow | undefined> {
  const response = await fetch(`${ground.url}/finance/flights`, { headers: { authorization: `Bearer ${ground.financeApiKey}` } });
  if (!response.ok) throw new Error(`GET /finance/flights answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { flights: FinanceFlightRow[] };
  return body.flights.find((row) => row.flight.flightId === ground.flightId);
}
