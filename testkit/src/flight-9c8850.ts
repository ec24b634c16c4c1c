/**
 * The flight every test sells on, one copy for all packages: 9C8850 Shanghai to Chengdu on
 * 2026-12-01, its crew with their PINs, and the sample catalog (English and Chinese names, two
 * trolleys) as ops upload it.
 */
import { readFileSync } from "node:fs";

export const FLIGHT_9C8850 = { carrier: "9C", number: "8850", date: "2026-12-01" } as const;
/** 23:25 UTC on 30 November: 07:25 on 1 December in Shanghai. */
export const DEPARTURE_MS = Date.UTC(2026, 10, 30, 23, 25);

export const CREW = [
  { crewId: "C1001", name: "Li Na", role: "purser", pin: "2468" },
  { crewId: "C1002", name: "Wang Fang", role: "crew", pin: "1357" },
] as const;

export const SAMPLE_CATALOG_CSV = readFileSync(new URL("../fixtures/catalog-sample.csv", import.meta.url), "utf8");
