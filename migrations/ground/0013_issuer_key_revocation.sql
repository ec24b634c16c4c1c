ALTER TABLE "issuer_keys" ADD COLUMN "revoked_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "issuer_keys" ADD COLUMN "revoked_by" text;--> statement-breakpoint
ALTER TABLE "issuer_keys" ADD CONSTRAINT "issuer_keys_status" CHECK ("issuer_keys"."status" IN ('active', 'retired', 'revoked'));--> statement-breakpoint
ALTER TABLE "issuer_keys" ADD CONSTRAINT "issuer_keys_revoked_when_by_whom" CHECK (("issuer_keys"."status" = 'revoked') = ("issuer_keys"."revoked_at_ms" IS NOT NULL AND "issuer_keys"."revoked_by" IS NOT NULL));