/**
 * The crew roster as ops type it (browser, pure): one line per crew member, "id, name, crew or
 * purser, PIN". Every line's problem is listed at once, in words, before anything is sent; the
 * ground checks the same again and refuses the whole roster if any line is wrong.
 */
import { isCrewId, LIMITS, PIN_PATTERN } from "@cabinpay/shared";

export interface RosterEntry {
  readonly crewId: string;
  readonly name: string;
  readonly role: "crew" | "purser";
  readonly pin: string;
}

export type RosterProblem = "fields" | "crew_id" | "name" | "role" | "pin" | "duplicate";

const encoder = new TextEncoder();

export function parseRoster(text: string): { entries: RosterEntry[]; problems: { line: number; problem: RosterProblem }[] } {
  const entries: RosterEntry[] = [];
  const problems: { line: number; problem: RosterProblem }[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((raw, index) => {
    if (raw.trim() === "") return;
    const fields = raw.split(",").map((field) => field.trim());
    const problem = problemOf(fields, seen);
    if (problem !== undefined) {
      problems.push({ line: index + 1, problem });
      return;
    }
    const [crewId, name, role, pin] = fields as [string, string, "crew" | "purser", string];
    seen.add(crewId);
    entries.push({ crewId, name, role, pin });
  });
  return { entries, problems };
}

function problemOf(fields: readonly string[], seen: ReadonlySet<string>): RosterProblem | undefined {
  if (fields.length !== 4) return "fields";
  const [crewId, name, role, pin] = fields as [string, string, string, string];
  if (!isCrewId(crewId)) return "crew_id";
  if (name === "" || encoder.encode(name).length > LIMITS.crewNameBytesMax) return "name";
  if (role !== "crew" && role !== "purser") return "role";
  if (!PIN_PATTERN.test(pin)) return "pin";
  if (seen.has(crewId)) return "duplicate";
  return undefined;
}
