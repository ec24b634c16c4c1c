import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@cabinpay/source"] },
  ssr: { resolve: { conditions: ["@cabinpay/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["../testkit/src/servers.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "json"],
    // Summed by scripts/run-tests.mjs into the closing line of `npm test`.
    outputFile: { json: "../.test-results/ground-settlement.json" },
  },
});
