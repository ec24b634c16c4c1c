/**
 * A purser's action on a crew member's screen (core process): the purser's PIN, typed there for one
 * void, refund or close, is checked and counted exactly as a login (five wrong, locked out), and
 * the record is made by the purser; the crew member stays logged in. Without an override the
 * action is the logged-in crew member's, as before.
 */
import type { PurserRefusal, Refusal } from "../../api/results.js";
import type { Seller } from "../sales/sell.js";
import type { TerminalSession } from "../session.js";
import { crewLogin } from "./login.js";

export function actingSeller(
  session: TerminalSession,
  purser: { readonly crewId: string; readonly pin: string } | undefined,
): { readonly seller: Seller } | Refusal<PurserRefusal> {
  const seller = session.seller();
  if (purser === undefined) return { seller };
  const loaded = session.current();
  const member = loaded.manifest.crew.find((c) => c.crewId === purser.crewId);
  if (member?.role !== "purser") return { reason: "not_purser", detail: "only the purser's PIN can authorise this" };
  const checked = crewLogin(session.guard, { ...purser, flightKey: loaded.flightKey, manifest: loaded.manifest, nowMs: session.now() });
  if (checked.ok) return { seller: { ...seller, crew: { crewId: checked.crewId, role: checked.role } } };
  if (checked.reason === "locked")
    return { reason: "locked", detail: `the purser is locked out until ${new Date(checked.lockedUntilMs).toISOString()}` };
  const left = checked.reason === "wrong_pin" ? checked.attemptsLeft : 0;
  return { reason: "wrong_pin", detail: `wrong purser PIN: ${left} attempts left before lock-out` };
}
