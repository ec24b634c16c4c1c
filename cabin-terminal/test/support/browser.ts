/** The crew UI built from source for the browser tests (Chromium itself: the ground's test support). */
import { fileURLToPath } from "node:url";
import { buildPages } from "../../../ground-settlement/test/support/browser.js";

export { launchChromium } from "../../../ground-settlement/test/support/browser.js";

export function buildRenderer(): Promise<string> {
  return buildPages(fileURLToPath(new URL("../../vite.config.ts", import.meta.url)));
}
