ALTER TABLE "flights" ADD COLUMN "first_manifest_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "hold_kept_on_cancel" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Which manifests went out before was not recorded: a flight with an assigned terminal may have
-- been served one, so its cancels keep their holds (the safe side for the airline).
UPDATE "flights" f SET "first_manifest_at_ms" = t."at"
  FROM (SELECT "flight_id", min("assigned_at_ms") AS "at" FROM "terminal_flights" GROUP BY "flight_id") t
 WHERE f."id" = t."flight_id";
