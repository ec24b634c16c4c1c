import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@cabinpay/source"] },
  ssr: { resolve: { conditions: ["@cabinpay/source"] } },
  test: {
    include: ["e2e/**/*.test.ts", "checks/**/*.test.ts"],
    // The real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or private servers).
    globalSetup: ["../testkit/src/servers.ts"],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    reporters: ["default", "json"],
    // Summed by scripts/run-tests.mjs into the closing line of `npm test`.
    outputFile: { json: "../.test-results/test.json" },
  },
});
