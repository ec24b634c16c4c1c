import { defineConfig } from "drizzle-kit";

// `npm run db:generate --workspace @cabinpay/ground-settlement -- --name <change>` writes the next
// migration into migrations/ground/; commit it with a test of what it changes.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "../migrations/ground",
});
