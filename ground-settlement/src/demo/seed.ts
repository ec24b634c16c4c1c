/**
 * A demo airline for `cabinpay-ground start --demo` and `npm run demo`: today's two-leg rotation
 * of aircraft B-30AA, 9C8850 PVG→CTU departing in three hours with the sample catalog on two
 * trolleys, then 9C8851 CTU→PVG three hours later whose trolleys carry the stock over; a purser
 * and a crew member with PINs on both; three funded passengers registered on each leg with
 * vouchers (their QR codes written as PNG files) and one funded but not registered; a finance
 * account for the web pages; fresh one-time codes enrolling a terminal on each trolley for both
 * legs. Flights and passengers are made once per data directory; codes and staff keys are new at
 * every start (only their hashes are stored).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newId } from "@cabinpay/shared";
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { passengers, staffUsers } from "../db/schema/identity.js";
import { registrations } from "../db/schema/registrations.js";
import { rotationLegs } from "../db/schema/rotations.js";
import type { KeyStore } from "../keys/key-store.js";
import { fundWallet, walletAccount } from "../ledger/ledger.js";
import { createApiKey } from "../services/api-keys.js";
import { catalogFromCsv, createFlight, type Flight, replaceCatalog, setCrew } from "../services/flights.js";
import { signUp } from "../services/passengers.js";
import { voucherQrPng } from "../services/qr.js";
import { register } from "../services/registrations.js";
import { createRotation } from "../services/rotations.js";
import { createStaffUser } from "../services/staff.js";
import { createEnrolmentCode } from "../services/terminals.js";
import { releaseTrolley } from "../services/trolleys.js";

export const DEMO_CREW = [
  { crewId: "C1001", name: "Li Na", role: "purser", pin: "2468" },
  { crewId: "C1002", name: "Wang Fang", role: "crew", pin: "1357" },
] as const;

const DEMO_PASSENGERS = [
  { email: "zhang.wei@demo.cabinpay", name: "ZHANG/WEI MR", seat: "12A", fundedMinor: 300_000, capMinor: 100_000 },
  { email: "anna.smith@demo.cabinpay", name: "SMITH/ANNA MS", seat: "14C", fundedMinor: 80_000, capMinor: 30_000 },
  { email: "chen.jie@demo.cabinpay", name: "CHEN/JIE MS", seat: "23K", fundedMinor: 40_000, capMinor: 20_000 },
] as const;

/** Funded but not registered: the one to try registering with on the passenger pages. */
export const DEMO_UNREGISTERED = { email: "liu.yang@demo.cabinpay", name: "LIU/YANG MR", fundedMinor: 100_000 } as const;

export const DEMO_PASSWORD = "demo passenger 2026";
export const DEMO_FINANCE = { email: "finance@demo.cabinpay", password: "demo finance 2026" } as const;
export const DEMO_OPS = { email: "ops@demo.cabinpay", password: "demo operations 2026" } as const;

export interface DemoLeg {
  readonly flight: Flight;
  readonly passengers: readonly { email: string; name: string; seat: string; capMinor: number; voucherText: string; qrPngPath: string }[];
}

/** The legs in the order flown: leg 1 is loaded with stock, leg 2 carries it over. */
const DEMO_LEGS = [
  { number: "8850", origin: "PVG", destination: "CTU", departsInMs: 3 * 3_600_000, stocked: true },
  { number: "8851", origin: "CTU", destination: "PVG", departsInMs: 6 * 3_600_000, stocked: false },
] as const;

export interface DemoAirline {
  readonly rotationId: string;
  readonly legs: readonly DemoLeg[];
  /** Each enrols a terminal on its trolley for every leg. */
  readonly enrolmentCodes: readonly { trolleyId: string; code: string }[];
  readonly opsApiKey: string;
  readonly financeApiKey: string;
}

export async function seedDemo(db: Database, keys: KeyStore, input: { nowMs: number; dataDir: string }): Promise<DemoAirline> {
  const date = new Date(input.nowMs).toISOString().slice(0, 10);
  const qrDir = join(input.dataDir, "demo");
  mkdirSync(qrDir, { recursive: true });
  const legs: DemoLeg[] = [];
  for (const leg of DEMO_LEGS) {
    const flight = (await existingFlight(db, leg.number, date)) ?? (await newFlight(db, leg, date, input.nowMs));
    const seeded = [];
    for (const [index, who] of DEMO_PASSENGERS.entries()) {
      const voucherText = await demoVoucher(db, keys, flight, who, input.nowMs);
      const qrPngPath = join(qrDir, `voucher-${flight.number}-${index + 1}-${who.seat}.png`);
      writeFileSync(qrPngPath, await voucherQrPng(voucherText));
      seeded.push({ email: who.email, name: who.name, seat: who.seat, capMinor: who.capMinor, voucherText, qrPngPath });
    }
    legs.push({ flight, passengers: seeded });
  }
  const rotationId = await demoRotation(
    db,
    legs.map((leg) => leg.flight.id),
    date,
    input.nowMs,
  );
  await demoPassenger(db, DEMO_UNREGISTERED, input.nowMs);
  const enrolmentCodes = [];
  for (const trolleyId of ["A", "B"]) {
    // A new start makes new terminals: the demo's ops free each trolley from the last start's one
    // (which keeps its assignments, so anything it did not upload still can be).
    for (const leg of legs) await releaseTrolley(db, { flightId: leg.flight.id, trolleyId, actor: "demo", nowMs: input.nowMs });
    const { code } = await createEnrolmentCode(db, { name: `Trolley ${trolleyId}`, rotationId, trolleyId, nowMs: input.nowMs });
    enrolmentCodes.push({ trolleyId, code });
  }
  for (const [login, role, displayName] of [
    [DEMO_FINANCE, "finance", "Demo finance"],
    [DEMO_OPS, "ops", "Demo operations"],
  ] as const) {
    const [known] = await db.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.email, login.email));
    if (known === undefined) await createStaffUser(db, { ...login, displayName, role, nowMs: input.nowMs, costLog2N: 14 });
  }
  const { key: opsApiKey } = await createApiKey(db, { name: "Demo ops", role: "ops", nowMs: input.nowMs });
  const { key: financeApiKey } = await createApiKey(db, { name: "Demo finance", role: "finance", nowMs: input.nowMs });
  return { rotationId, legs, enrolmentCodes, opsApiKey, financeApiKey };
}

/** The rotation of the demo's legs, once. */
async function demoRotation(db: Database, flightIds: readonly string[], date: string, nowMs: number): Promise<string> {
  const [known] = await db
    .select({ rotationId: rotationLegs.rotationId })
    .from(rotationLegs)
    .where(eq(rotationLegs.flightId, flightIds[0]!));
  if (known !== undefined) return known.rotationId;
  return (await createRotation(db, { aircraft: "B-30AA", date, flightIds, actor: "demo", nowMs })).rotationId;
}

async function existingFlight(db: Database, number: string, date: string): Promise<Flight | undefined> {
  const [row] = await db
    .select()
    .from(flights)
    .where(and(eq(flights.carrier, "9C"), eq(flights.number, number), eq(flights.flightDate, date)));
  return row as Flight | undefined;
}

async function newFlight(db: Database, leg: (typeof DEMO_LEGS)[number], date: string, nowMs: number): Promise<Flight> {
  const flight = await createFlight(
    db,
    {
      carrier: "9C",
      number: leg.number,
      date,
      origin: leg.origin,
      destination: leg.destination,
      currency: "CNY",
      // Registration stays open for an hour or more: long enough to try the passenger side too.
      departureAtMs: nowMs + leg.departsInMs,
      registrationClosesAtMs: nowMs + leg.departsInMs - 2 * 3_600_000,
      capMinorMax: 200_000,
    },
    nowMs,
  );
  const csv = readFileSync(new URL("../../demo/catalog.csv", import.meta.url), "utf8");
  // Leg 2 is loaded with prices only: its trolleys fly on with what leg 1 left.
  const catalog = catalogFromCsv(csv, "CNY").map((entry) => (leg.stocked ? entry : { ...entry, stock: {} }));
  await replaceCatalog(db, flight.id, catalog);
  await setCrew(db, flight.id, DEMO_CREW);
  return flight;
}

async function demoVoucher(
  db: Database,
  keys: KeyStore,
  flight: Flight,
  who: (typeof DEMO_PASSENGERS)[number],
  nowMs: number,
): Promise<string> {
  const passengerId = await demoPassenger(db, who, nowMs);
  const [registered] = await db
    .select({ voucherText: registrations.voucherText })
    .from(registrations)
    .where(and(eq(registrations.passengerId, passengerId), eq(registrations.flightId, flight.id), eq(registrations.status, "active")));
  if (registered !== undefined) return registered.voucherText;
  const { registration } = await register(db, keys, { passengerId, flightId: flight.id, capMinor: who.capMinor, seat: who.seat, nowMs });
  return registration.voucherText;
}

/** Signs the passenger up and funds the wallet, once. */
async function demoPassenger(db: Database, who: { email: string; name: string; fundedMinor: number }, nowMs: number): Promise<string> {
  const [known] = await db.select({ id: passengers.id }).from(passengers).where(eq(passengers.email, who.email));
  if (known !== undefined) return known.id;
  const { passengerId } = await signUp(db, { email: who.email, password: DEMO_PASSWORD, displayName: who.name, nowMs, costLog2N: 14 });
  await db.transaction(async (tx) => {
    const wallet = await walletAccount(tx, passengerId, "CNY", nowMs);
    await fundWallet(tx, { transferId: newId(), walletAccountId: wallet.id, amountMinor: who.fundedMinor, nowMs });
  });
  return passengerId;
}
