/** What `start --demo` and `npm run demo` print: everything a new user needs to ring up a sale. */
import { formatMoney, money } from "@cabinpay/shared";
import { DEMO_CREW, DEMO_FINANCE, DEMO_OPS, DEMO_PASSWORD, DEMO_UNREGISTERED, type DemoAirline } from "./seed.js";

/**
 * `terminal`: a terminal the demo already enrolled and loaded (`npm run demo`); without it the
 * guide says how to enrol one.
 */
export function demoGuide(demo: DemoAirline, groundUrl: string, terminal?: { url: string; trolleyId: string }): string {
  const cny = (minor: number) => formatMoney(money(minor, "CNY"), "en");
  const codes = demo.enrolmentCodes.filter((c) => c.trolleyId !== terminal?.trolleyId);
  const setUp =
    terminal === undefined
      ? [
          "1. In another terminal: npm run terminal   (then open http://127.0.0.1:4310)",
          `2. Enrol: ground address ${groundUrl}, one-time code ${codes.map((c) => `${c.code} (trolley ${c.trolleyId})`).join(" or ")}`,
          "3. Load: press Load my flights (the code put the terminal on its trolley for both legs)",
        ]
      : [
          `1. Crew terminal: open ${terminal.url} in Chromium or Chrome (enrolled, both legs loaded on trolley ${terminal.trolleyId})`,
          `2. A second terminal, if you like: npm run terminal -- --port 4311, enrol at ${groundUrl} with code`,
          `   ${codes.map((c) => `${c.code} (trolley ${c.trolleyId})`).join(" or ")}; the flight then closes when both have landed`,
          "3. (The Electron app runs the same screens; the demo serves them in a browser.)",
        ];
  return [
    "",
    "── CabinPay demo ─────────────────────────────────────────────────────────────",
    "Rotation of aircraft B-30AA, two legs (leg 2's trolleys carry leg 1's stock over):",
    ...demo.legs.map(
      ({ flight }, index) =>
        `  leg ${index + 1}: ${flight.carrier}${flight.number} ${flight.flightDate} ${flight.origin}→${flight.destination}, departs ${new Date(flight.departureAtMs).toISOString()}`,
    ),
    "",
    ...setUp,
    `4. Log in: ${DEMO_CREW.map((c) => `${c.name} ${c.crewId} (${c.role}) PIN ${c.pin}`).join(" · ")}`,
    "5. Tap items, Charge, then show a voucher QR to the camera, or paste its text in the code field:",
    ...demo.legs.flatMap(({ flight, passengers }, index) => [
      `   leg ${index + 1} (${flight.carrier}${flight.number}):`,
      ...passengers.flatMap((p) => [`   ${p.name}, seat ${p.seat}, cap ${cny(p.capMinor)}: QR ${p.qrPngPath}`, `     ${p.voucherText}`]),
    ]),
    terminal === undefined
      ? "6. Reports, void and close are the purser's; after the close, the report opens leg 2. Uploads go by themselves once the ground answers."
      : "6. Reports, void and close are the purser's. Type l below to land the current leg (close, upload, the ground settles it, leg 2 opens); l again lands leg 2.",
    "",
    `Passenger pages: ${groundUrl}/app/passenger (log in as ${demo.legs[0]!.passengers.map((p) => p.email).join(", ")},`,
    `  password "${DEMO_PASSWORD}"). They show the vouchers, also offline, and the statement after landing.`,
    `  ${DEMO_UNREGISTERED.email} has ${cny(DEMO_UNREGISTERED.fundedMinor)} and no voucher yet: register there for a leg.`,
    `Finance pages: ${groundUrl}/app/finance (log in as ${DEMO_FINANCE.email}, password "${DEMO_FINANCE.password}").`,
    `Ops pages: ${groundUrl}/app/ops (log in as ${DEMO_OPS.email}, password "${DEMO_OPS.password}"): flights, rotations,`,
    "  catalogs, rosters, terminals, and money for a passenger's account.",
    `Staff API keys (shown once): ops ${demo.opsApiKey}`,
    `                             finance ${demo.financeApiKey}`,
    "──────────────────────────────────────────────────────────────────────────────",
  ].join("\n");
}
