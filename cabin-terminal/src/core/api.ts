/**
 * The terminal core behind the one API surface (core process): `createTerminalCore` implements
 * `TerminalApi` (src/api/contract.ts) as a session (`session.ts`) and one validating dispatch over
 * the handlers of each domain (`handlers/`), in the way of Actual Budget's handler map. Every input
 * is checked against its schema before a handler sees it. The Electron main, the browser host and
 * the CLI each hold one of these.
 */
import { Compile, type Validator } from "typebox/compile";
import { Value } from "typebox/value";
import {
  TERMINAL_API_INPUTS,
  TERMINAL_API_METHODS,
  type TerminalApi,
  type TerminalApiInput,
  type TerminalApiMethod,
} from "../api/contract.js";
import { TerminalError } from "./errors.js";
import { cabinHandlers } from "./handlers/cabin.js";
import { cartHandlers } from "./handlers/cart.js";
import { crewHandlers } from "./handlers/crew.js";
import { enrolmentHandlers } from "./handlers/enrolment.js";
import { flightHandlers } from "./handlers/flight.js";
import type { Handler, Handlers } from "./handlers/handler.js";
import { salesHandlers } from "./handlers/sales.js";
import { syncHandlers } from "./handlers/sync.js";
import { type TerminalCoreOptions, TerminalSession } from "./session.js";
import type { CabinLink } from "./sync/cabin-link.js";
import { startCabin } from "./sync/cabin-start.js";

export type { TerminalCoreOptions } from "./session.js";

const HANDLERS = {
  ...enrolmentHandlers,
  ...flightHandlers,
  ...crewHandlers,
  ...cartHandlers,
  ...salesHandlers,
  ...syncHandlers,
  ...cabinHandlers,
} satisfies Handlers<TerminalApiMethod>;

/** Each input schema compiled once, at its first call: interpreted, the check cost a sale about 0.1 ms. */
const validators = new Map<TerminalApiMethod, Validator>();

function validated<K extends TerminalApiMethod>(name: K, input: unknown): TerminalApiInput<K> {
  const schema = TERMINAL_API_INPUTS[name];
  let validator = validators.get(name);
  if (validator === undefined) {
    validator = Compile(schema);
    validators.set(name, validator);
  }
  if (!validator.Check(input)) {
    const first = [...Value.Errors(schema, input)][0];
    throw new TerminalError(
      "invalid_input",
      `${name}: ${first === undefined ? "invalid input" : `${first.instancePath || "/"} ${first.message}`}`,
    );
  }
  return input as TerminalApiInput<K>;
}

/** What changes a voucher's spend: the cabin hears of it at once. */
const SPENDING = new Set<TerminalApiMethod>(["sale/charge", "sale/void", "sale/refund"]);

export interface TerminalCore extends TerminalApi {
  /** Where peers reach this terminal's cabin sync, when it listens. */
  readonly cabinUrl: Promise<string | undefined>;
  close(): Promise<void>;
}

export function createTerminalCore(options: TerminalCoreOptions): TerminalCore {
  const session = new TerminalSession(options);
  let link: CabinLink | undefined;
  // TypeScript cannot follow one name through the map and the schema at once: each handler is
  // typed by `Handlers`, and `validated` checks its input against that name's schema.
  const dispatch =
    <K extends TerminalApiMethod>(name: K) =>
    async (input: unknown) => {
      const answer = await (HANDLERS[name] as Handler<K>)(session, validated(name, input));
      if (SPENDING.has(name)) link?.nudge();
      // A peer's news changes what crew see (and what a voucher may still spend).
      if (name === "cabin/exchange" && (answer as Awaited<ReturnType<TerminalApi["cabin/exchange"]>>).verdicts.includes("taken"))
        options.onStatusChanged?.();
      return answer;
    };
  const api = Object.fromEntries(TERMINAL_API_METHODS.map((name) => [name, dispatch(name)])) as unknown as TerminalApi;
  if (options.cabin !== undefined) link = startCabin(session, options.cabin, api["cabin/exchange"], () => options.onStatusChanged?.());
  return Object.assign(api, {
    cabinUrl: link?.url ?? Promise.resolve(undefined),
    close() {
      // Without a link the database closes at once, as callers that reopen it expect.
      if (link === undefined) {
        session.close();
        return Promise.resolve();
      }
      return link.stop().then(() => session.close());
    },
  });
}
