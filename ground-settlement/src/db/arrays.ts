/**
 * Array parameters for `unnest` and `= ANY(...)`, sent as one PostgreSQL array literal each: node-pg
 * builds an array parameter one element at a time and runs two regular expressions over each,
 * which at 20 columns of 1,000 records was a tenth of ingest's garbage, and the settlement worker's
 * ids and outcomes went the same way.
 */
import { sql } from "drizzle-orm";

/** One element of an array parameter: text, a number, or NULL. */
export type ArrayElement = string | number | null;

/**
 * A PostgreSQL array literal, built in one join. Numbers go bare, text quoted (escaped only when it
 * holds a quote or backslash), so no text ever reads as NULL.
 */
export function arrayLiteral(values: readonly ArrayElement[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as ArrayElement;
    if (value === null) parts[i] = "NULL";
    else if (typeof value === "number") parts[i] = String(finite(value, i));
    else if (typeof value === "string") parts[i] = `"${NEEDS_ESCAPE.test(value) ? value.replace(NEEDS_ESCAPE_ALL, "\\$&") : value}"`;
    // Amounts and ids go through here: a value the types missed must not reach the ledger as the text "undefined".
    else throw new TypeError(`array parameter element ${i}: ${String(value)} is not text, a number or null`);
  }
  return `{${parts.join(",")}}`;
}

function finite(value: number, index: number): number {
  if (!Number.isFinite(value)) throw new TypeError(`array parameter element ${index}: ${value} is not a finite number`);
  return value;
}

const NEEDS_ESCAPE = /["\\]/;
const NEEDS_ESCAPE_ALL = /["\\]/g;

/** `values` as one array parameter; the statement casts it (`::uuid[]`, `::bigint[]`). */
export function arrayParam(values: readonly ArrayElement[]) {
  return sql.param(arrayLiteral(values));
}
