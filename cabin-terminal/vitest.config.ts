import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@cabinpay/source"] },
  ssr: { resolve: { conditions: ["@cabinpay/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    // The real ground service's PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or private servers).
    globalSetup: ["../testkit/src/servers.ts"],
    testTimeout: 60_000,
    // Hooks start real servers (PGlite, the ground on a port, Chromium): 10 s was not enough on a loaded 2-core box.
    hookTimeout: 120_000,
    reporters: ["default", "json"],
    // Summed by scripts/run-tests.mjs into the closing line of `npm test`.
    outputFile: { json: "../.test-results/cabin-terminal.json" },
  },
});
