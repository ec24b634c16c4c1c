import { defineConfig } from "drizzle-kit";

// `npm run db:generate --workspace @cabinpay/cabin-terminal -- --name <change>`, then add STRICT
// to each new CREATE TABLE (drizzle-kit cannot say it) and a step to test/storage.test.ts.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/core/db/schema.ts",
  out: "../migrations/terminal",
});
