/**
 * A value a screen reads through the API when it opens, and again on `reload()` (renderer
 * process). A failure goes to the app's problem line, as every other.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { TerminalApi } from "../api/contract.js";
import { useTerminal } from "./context.js";

export function useLoaded<T>(load: (api: TerminalApi) => Promise<T>) {
  const { api, fail } = useTerminal();
  const [value, setValue] = useState<T | undefined>();
  const loadLatest = useRef(load);
  loadLatest.current = load;
  const reload = useCallback(async () => {
    try {
      setValue(await loadLatest.current(api));
    } catch (error) {
      fail(error);
    }
  }, [api, fail]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { value, reload, setValue };
}
