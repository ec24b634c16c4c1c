/**
 * A flight's exchange rates into other account currencies (`shared/src/money/exchange.ts`): set by
 * ops before the first manifest goes out, then fixed, because terminals sell offline at the rate in
 * the manifest they loaded and settlement must convert with the same number.
 */
import {
  type CurrencyCode,
  convertMinor,
  describeTextProblem,
  type ExchangeRate,
  isCurrencyCode,
  isRateMicros,
  money,
  RATE_MICROS_MAX,
  RATE_SOURCE_BYTES_MAX,
  rateFor,
  textProblem,
} from "@cabinpay/shared";
import { asc, eq } from "drizzle-orm";
import { anyUuid, type Database, type Executor } from "../db/client.js";
import { flightRates, flights } from "../db/schema/flights.js";
import { ApiError } from "../errors.js";

export async function setRates(
  db: Database,
  input: { flightId: string; rates: readonly ExchangeRate[]; actor: string; nowMs: number },
): Promise<ExchangeRate[]> {
  return db.transaction(async (tx) => {
    // The flight's row first: a manifest being served marks it, so the two cannot miss each other.
    const [flight] = await tx.select().from(flights).where(eq(flights.id, input.flightId)).for("update");
    if (flight === undefined) throw new ApiError("flight_not_found", `no flight ${input.flightId}`);
    if (flight.firstManifestAtMs !== null)
      throw new ApiError("rates_frozen", "a manifest with this flight's rates has gone out to terminals: its rates can no longer change");
    const problems = input.rates.flatMap((rate) => rateProblems(rate, flight.currency));
    if (new Set(input.rates.map((rate) => rate.currency)).size !== input.rates.length) problems.push("one rate per currency");
    if (problems.length > 0) throw new ApiError("validation_failed", problems.join("; "), problems);
    await tx.delete(flightRates).where(eq(flightRates.flightId, input.flightId));
    if (input.rates.length > 0)
      await tx
        .insert(flightRates)
        .values(input.rates.map((rate) => ({ flightId: input.flightId, ...rate, setAtMs: input.nowMs, setBy: input.actor })));
    return ratesOf(tx, input.flightId);
  });
}

function rateProblems(rate: ExchangeRate, flightCurrency: string): string[] {
  const problems: string[] = [];
  if (!isCurrencyCode(rate.currency) || rate.currency === flightCurrency)
    problems.push(`currency ${rate.currency}: another supported currency than the flight's ${flightCurrency}`);
  if (!isRateMicros(rate.rateMicros)) problems.push(`rateMicros of ${rate.currency}: a whole number from 1 to ${RATE_MICROS_MAX}`);
  const problem = textProblem(rate.source);
  if (problem !== undefined) problems.push(`source of ${rate.currency} ${describeTextProblem(problem)}`);
  if (rate.source.trim() === "" || Buffer.byteLength(rate.source, "utf8") > RATE_SOURCE_BYTES_MAX)
    problems.push(`source of ${rate.currency}: 1 to ${RATE_SOURCE_BYTES_MAX} bytes saying where the rate comes from`);
  return problems;
}

/** What `accountAmounts` converts: a record's total in the flight's currency. */
export interface FlightAmount {
  readonly flightId: string;
  readonly currency: string;
  readonly totalMinor: number;
}

/**
 * A record's total in an account currency: itself in the flight's currency, else converted at the
 * flight's rate (the one in its manifest); undefined when the flight has no rate into it. The one
 * conversion for settlement's debits and the check of the terminals' cabin counters.
 */
export async function accountAmounts(
  tx: Executor,
  records: readonly FlightAmount[],
): Promise<(record: FlightAmount, accountCurrency: string) => number | undefined> {
  // One read for every flight: settling chunks together (`settleChunks`) names several.
  const flightIds = [...new Set(records.map((record) => record.flightId))];
  const rows = await tx.select().from(flightRates).where(anyUuid(flightRates.flightId, flightIds));
  const rates = new Map<string, ExchangeRate[]>();
  for (const row of rows) rates.set(row.flightId, [...(rates.get(row.flightId) ?? []), rateOf(row)]);
  return (record, accountCurrency) => {
    if (record.currency === accountCurrency) return record.totalMinor;
    const rate = rateFor(rates.get(record.flightId) ?? [], accountCurrency);
    return rate === undefined ? undefined : convertMinor(money(record.totalMinor, record.currency), rate).amountMinor;
  };
}

export async function ratesOf(db: Executor, flightId: string): Promise<ExchangeRate[]> {
  const rows = await db.select().from(flightRates).where(eq(flightRates.flightId, flightId)).orderBy(asc(flightRates.currency));
  return rows.map(rateOf);
}

function rateOf(row: typeof flightRates.$inferSelect): ExchangeRate {
  return { currency: row.currency as CurrencyCode, rateMicros: row.rateMicros, source: row.source };
}
