/** A handler of the terminal API: the session and its already validated input, the API's answer. */
import type { TerminalApi, TerminalApiInput, TerminalApiMethod } from "../../api/contract.js";
import type { TerminalSession } from "../session.js";

export type Handler<K extends TerminalApiMethod> = (session: TerminalSession, input: TerminalApiInput<K>) => ReturnType<TerminalApi[K]>;

/** One domain's handlers, by API name. */
export type Handlers<K extends TerminalApiMethod> = { readonly [M in K]: Handler<M> };
