/** This database's identity: one row, made by its migration, naming the deployment's job queues in Redis. */
import { sql } from "drizzle-orm";
import { bigint, check, integer, pgTable, uuid } from "drizzle-orm/pg-core";

export const deployment = pgTable(
  "deployment",
  {
    id: integer("id").primaryKey(),
    /** Random, made once per database: two deployments on one Redis never share a queue. */
    deploymentId: uuid("deployment_id").notNull(),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [check("deployment_single_row", sql`${t.id} = 1`)],
);
