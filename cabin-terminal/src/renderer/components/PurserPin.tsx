/**
 * The purser's PIN, typed on a crew member's screen for one void, refund or close (renderer
 * process): the core checks it and counts it as a login; the crew member stays logged in.
 */
import { useTerminal } from "../context.js";

export interface PurserPinValue {
  readonly crewId: string;
  readonly pin: string;
}

export function PurserPin({ value, onChange }: { value: PurserPinValue; onChange: (value: PurserPinValue) => void }) {
  const { words, status } = useTerminal();
  const pursers = (status.flight?.crew ?? []).filter((member) => member.role === "purser");
  return (
    <div className="purser-pin" data-testid="purser-pin">
      {pursers.length > 1 && (
        <label>
          {words.purser}
          <select value={value.crewId} onChange={(e) => onChange({ ...value, crewId: e.target.value })}>
            {pursers.map((member) => (
              <option key={member.crewId} value={member.crewId}>
                {member.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {words.purserPin(pursers.find((member) => member.crewId === value.crewId)?.name ?? "")}
        <input
          type="password"
          inputMode="numeric"
          autoComplete="off"
          maxLength={8}
          value={value.pin}
          onChange={(e) => onChange({ ...value, pin: e.target.value.replace(/\D/g, "") })}
          data-testid="purser-pin-input"
        />
      </label>
    </div>
  );
}

/** The first purser on the roster: the one whose PIN is asked for, unless crew pick another. */
export function firstPurser(crew: readonly { crewId: string; role: string }[]): string {
  return crew.find((member) => member.role === "purser")?.crewId ?? "";
}
