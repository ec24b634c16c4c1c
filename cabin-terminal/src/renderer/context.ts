/** What every screen needs (renderer process): the API, the words, the money format, and a refresh. */
import { formatMoney, money, parseFlightKey } from "@cabinpay/shared";
import { createContext, useContext } from "react";
import type { TerminalApi, TerminalStatus } from "../api/contract.js";
import { TerminalCallError } from "./bridge.js";
import type { Language, Words } from "./i18n.js";

export interface Terminal {
  readonly api: TerminalApi;
  readonly words: Words;
  readonly language: Language;
  readonly status: TerminalStatus;
  /** Reads the status again after anything that changed it. */
  refresh(): Promise<void>;
  /** Shows what went wrong and what to do. */
  fail(error: unknown): void;
}

export const TerminalContext = createContext<Terminal | undefined>(undefined);

export function useTerminal(): Terminal {
  const terminal = useContext(TerminalContext);
  if (terminal === undefined) throw new Error("useTerminal outside the app");
  return terminal;
}

export function amount(minor: number, currency: string, language: Language): string {
  return formatMoney(money(minor, currency), language === "zh" ? "zh-CN" : "en");
}

/** A flight as crew say it: "9C8850 · 1 Dec 2026" / "9C8850 · 2026年12月1日", not its key "9C8850/2026-12-01". */
export function flightName(flightKey: string, language: Language): string {
  const flight = parseFlightKey(flightKey);
  if (flight === undefined) return flightKey;
  // The date of the flight as printed on the boarding pass: a calendar date, read in UTC so no zone shifts it.
  const date = new Intl.DateTimeFormat(language === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium", timeZone: "UTC" }).format(
    Date.parse(`${flight.date}T00:00:00Z`),
  );
  return `${flight.carrier}${flight.number} · ${date}`;
}

/** A failed call in words crew can act on: the sentence for the fault's code, never the code itself. */
export function errorText(error: unknown, words: Words): string {
  if (error instanceof TerminalCallError) return (words.faults as Record<string, string>)[error.code] ?? words.faults.internal;
  return words.faults.internal;
}
