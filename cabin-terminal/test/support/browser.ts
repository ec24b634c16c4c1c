/** The crew UI built from source for the browser tests (Chromium itself: the ground's test support). */
import { fileURLToPath } from "node:url";
import { buildPages } from "@cabinpay/ground-settlement/testing/browser";

export { launchChromium } from "@cabinpay/ground-settlement/testing/browser";

export function buildRenderer(): Promise<string> {
  return buildPages(fileURLToPath(new URL("../../vite.config.ts", import.meta.url)));
}
