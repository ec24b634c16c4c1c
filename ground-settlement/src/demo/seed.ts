/**
 * A demo airline for `cabinpay-ground start --demo` and `npm run demo`: today's flight 9C8850
 * PVG→CTU departing in three hours, the sample catalog on two trolleys, a purser and a crew member
 * with PINs, three funded passengers registered with vouchers (their QR codes written as PNG
 * files) and one funded but not registered, a finance account for the web pages, and fresh
 * one-time enrolment codes for the two trolleys. The flight and passengers are made once per
 * data directory; codes and staff keys are new at every start (only their hashes are stored).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newId } from "@cabinpay/shared";
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { flights } from "../db/schema/flights.js";
import { passengers, staffUsers } from "../db/schema/identity.js";
import { registrations } from "../db/schema/registrations.js";
import type { KeyStore } from "../keys/key-store.js";
import { fundWallet, walletAccount } from "../ledger/ledger.js";
import { createApiKey } from "../services/api-keys.js";
import { catalogFromCsv, createFlight, type Flight, replaceCatalog, setCrew } from "../services/flights.js";
import { signUp } from "../services/passengers.js";
import { voucherQrPng } from "../services/qr.js";
import { register } from "../services/registrations.js";
import { createStaffUser } from "../services/staff.js";
import { createEnrolmentCode } from "../services/terminals.js";
import { releaseTrolley } from "../services/trolleys.js";

export const DEMO_CREW = [
  { crewId: "C1001", name: "Li Na", role: "purser", pin: "2468" },
  { crewId: "C1002", name: "Wang Fang", role: "crew", pin: "1357" },
] as const;

const DEMO_PASSENGERS = [
  { email: "zhang.wei@demo.cabinpay", name: "ZHANG/WEI MR", seat: "12A", fundedMinor: 300_000, capMinor: 100_000 },
  { email: "anna.smith@demo.cabinpay", name: "SMITH/ANNA MS", seat: "14C", fundedMinor: 50_000, capMinor: 30_000 },
  { email: "chen.jie@demo.cabinpay", name: "CHEN/JIE MS", seat: "23K", fundedMinor: 20_000, capMinor: 20_000 },
] as const;

/** Funded but not registered: the one to try registering with on the passenger pages. */
export const DEMO_UNREGISTERED = { email: "liu.yang@demo.cabinpay", name: "LIU/YANG MR", fundedMinor: 100_000 } as const;

export const DEMO_PASSWORD = "demo passenger 2026";
export const DEMO_FINANCE = { email: "finance@demo.cabinpay", password: "demo finance 2026" } as const;

export interface DemoAirline {
  readonly flight: Flight;
  readonly passengers: readonly { email: string; name: string; seat: string; capMinor: number; voucherText: string; qrPngPath: string }[];
  readonly enrolmentCodes: readonly { trolleyId: string; code: string }[];
  readonly opsApiKey: string;
  readonly financeApiKey: string;
}

export async function seedDemo(db: Database, keys: KeyStore, input: { nowMs: number; dataDir: string }): Promise<DemoAirline> {
  const date = new Date(input.nowMs).toISOString().slice(0, 10);
  const flight = (await existingFlight(db, date)) ?? (await newFlight(db, date, input.nowMs));
  const qrDir = join(input.dataDir, "demo");
  mkdirSync(qrDir, { recursive: true });
  const seeded = [];
  for (const [index, who] of DEMO_PASSENGERS.entries()) {
    const voucherText = await demoVoucher(db, keys, flight, who, input.nowMs);
    const qrPngPath = join(qrDir, `voucher-${index + 1}-${who.seat}.png`);
    writeFileSync(qrPngPath, await voucherQrPng(voucherText));
    seeded.push({ email: who.email, name: who.name, seat: who.seat, capMinor: who.capMinor, voucherText, qrPngPath });
  }
  await demoPassenger(db, DEMO_UNREGISTERED, input.nowMs);
  const enrolmentCodes = [];
  for (const trolleyId of ["A", "B"]) {
    // A new start makes new terminals: the demo's ops free each trolley from the last start's one
    // (which keeps its assignment, so anything it did not upload still can be).
    await releaseTrolley(db, { flightId: flight.id, trolleyId, actor: "demo", nowMs: input.nowMs });
    const { code } = await createEnrolmentCode(db, { name: `Trolley ${trolleyId}`, flightId: flight.id, trolleyId, nowMs: input.nowMs });
    enrolmentCodes.push({ trolleyId, code });
  }
  const [finance] = await db.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.email, DEMO_FINANCE.email));
  if (finance === undefined) {
    await createStaffUser(db, { ...DEMO_FINANCE, displayName: "Demo finance", role: "finance", nowMs: input.nowMs, costLog2N: 14 });
  }
  const { key: opsApiKey } = await createApiKey(db, { name: "Demo ops", role: "ops", nowMs: input.nowMs });
  const { key: financeApiKey } = await createApiKey(db, { name: "Demo finance", role: "finance", nowMs: input.nowMs });
  return { flight, passengers: seeded, enrolmentCodes, opsApiKey, financeApiKey };
}

async function existingFlight(db: Database, date: string): Promise<Flight | undefined> {
  const [row] = await db
    .select()
    .from(flights)
    .where(and(eq(flights.carrier, "9C"), eq(flights.number, "8850"), eq(flights.flightDate, date)));
  return row as Flight | undefined;
}

async function newFlight(db: Database, date: string, nowMs: number): Promise<Flight> {
  const flight = await createFlight(
    db,
    {
      carrier: "9C",
      number: "8850",
      date,
      origin: "PVG",
      destination: "CTU",
      currency: "CNY",
      // Registration stays open for an hour: long enough to try the passenger side too.
      departureAtMs: nowMs + 3 * 3_600_000,
      registrationClosesAtMs: nowMs + 3_600_000,
      capMaxMinor: 200_000,
    },
    nowMs,
  );
  const csv = readFileSync(new URL("../../demo/catalog.csv", import.meta.url), "utf8");
  await replaceCatalog(db, flight.id, catalogFromCsv(csv, "CNY"));
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
