/** Crew: PIN login against the manifest's crew list (lock-out counted at the chain anchor), logout. */
import { crewLogin } from "../crew/login.js";
import type { Handlers } from "./handler.js";

export const crewHandlers = {
  async "crew/login"(session, { crewId, pin }) {
    const loaded = session.current();
    const result = crewLogin(session.guard, { flightKey: loaded.flightKey, manifest: loaded.manifest, crewId, pin, nowMs: session.now() });
    if (result.ok) session.crew = { crewId: result.crewId, name: result.name, role: result.role };
    return result;
  },
  async "crew/logout"(session) {
    session.crew = undefined;
    session.cart.clear();
  },
} satisfies Handlers<"crew/login" | "crew/logout">;
