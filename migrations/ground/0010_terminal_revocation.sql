ALTER TABLE "terminals" ADD COLUMN "revoked_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "terminals" ADD COLUMN "revoked_by" text;--> statement-breakpoint
ALTER TABLE "terminals" ADD CONSTRAINT "terminals_revoked_by_whom" CHECK (("terminals"."revoked_at_ms" IS NULL) = ("terminals"."revoked_by" IS NULL));