/**
 * Named statements on PostgreSQL: a query text a connection has sent before is parsed and planned
 * there once, and after that only bound and executed. Every upload and every settlement chunk runs
 * the same dozen statements, and PostgreSQL parsed and planned each of them every time: planning
 * the settlement chunk's read took 1.6 ms against its 3.7 ms of execution, and in the fleet burst
 * parsing and planning were about a seventh of PostgreSQL's CPU (docs/performance.md, tenth pass).
 *
 * The texts are drizzle's, made by our code, so they are few. A text is named the second time a
 * connection sees it, so that one-off statements (migrations, a report run once) never are, and
 * a connection names at most `namedMax` (`PG_NAMED_STATEMENTS_MAX`); later texts run unnamed, as all
 * did before. 0 names none: for a pooling proxy that hands a transaction any server connection
 * (PgBouncer in transaction mode before 1.21), where a name parsed on one is unknown on the next.
 * PostgreSQL plans a named statement's first executions for their parameters and keeps a generic
 * plan only when it costs no more than those; a schema change or new statistics make it plan
 * again, and so does the next connection: each serves at most `CONNECTION_LIFETIME_MS` (`client.ts`),
 * so a plan made while a table was tiny does not outlive the table's growth.
 */
import type pg from "pg";

/** Statements named on one connection at most, by default: each keeps its parse tree and plans in that PostgreSQL backend. */
export const NAMED_STATEMENTS_MAX = 256;
/** The most a setting may allow. */
export const NAMED_STATEMENTS_LIMIT = 4_096;
/** Texts seen once, waiting for a second sighting; forgotten all at once when this many are waiting. */
const SEEN_ONCE_MAX = 1_024;

/** What node-pg takes as a query's first argument, as far as naming needs to know. */
interface QueryConfig {
  readonly text?: unknown;
  readonly name?: unknown;
  readonly submit?: unknown;
}

/** From now on, `client` names the statements it sends more than once, at most `namedMax` (see above). */
export function nameStatements(client: pg.ClientBase, namedMax = NAMED_STATEMENTS_MAX): void {
  if (!Number.isInteger(namedMax) || namedMax < 0 || namedMax > NAMED_STATEMENTS_LIMIT)
    throw new RangeError(`named statements: at most 0 to ${NAMED_STATEMENTS_LIMIT} a connection, not ${namedMax}`);
  if (namedMax === 0) return;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const names = new Map<string, string>();
  let seenOnce = new Set<string>();
  const named = (config: unknown): unknown => {
    // A plain text runs on the simple protocol; a config that names itself or streams its rows is the caller's.
    if (typeof config !== "object" || config === null) return config;
    const { text, name, submit } = config as QueryConfig;
    if (typeof text !== "string" || name !== undefined || submit !== undefined) return config;
    const known = names.get(text);
    if (known !== undefined) return { ...config, name: known };
    if (names.size >= namedMax) return config;
    if (!seenOnce.has(text)) {
      if (seenOnce.size >= SEEN_ONCE_MAX) seenOnce = new Set();
      seenOnce.add(text);
      return config;
    }
    seenOnce.delete(text);
    const fresh = `cabinpay_${names.size}`;
    names.set(text, fresh);
    return { ...config, name: fresh };
  };
  client.query = ((config: unknown, ...rest: unknown[]) => query(named(config), ...rest)) as typeof client.query;
}
