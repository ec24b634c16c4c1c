CREATE TABLE "deployment" (
	"id" integer PRIMARY KEY NOT NULL,
	"deployment_id" uuid NOT NULL,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "deployment_single_row" CHECK ("deployment"."id" = 1)
);
--> statement-breakpoint
-- Made here, once: the database is the deployment, whatever its URL or host.
INSERT INTO "deployment" ("id", "deployment_id", "created_at_ms") VALUES (1, gen_random_uuid(), (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
