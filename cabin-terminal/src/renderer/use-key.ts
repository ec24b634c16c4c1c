/**
 * A key pressed anywhere on the screen, outside text fields (renderer process): the PIN typed on a
 * keyboard, Escape to close what is open. Listens while the component is shown.
 */
import { useEffect, useRef } from "react";

export function useKeys(onKey: (key: string) => void, options: { inFields?: boolean } = {}): void {
  const latest = useRef(onKey);
  latest.current = onKey;
  const inFields = options.inFields === true;
  useEffect(() => {
    const listener = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const inField = target !== null && (target.tagName === "INPUT" || target.tagName === "TEXTAREA");
      if (inField && !inFields) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      latest.current(event.key);
    };
    addEventListener("keydown", listener);
    return () => removeEventListener("keydown", listener);
  }, [inFields]);
}
