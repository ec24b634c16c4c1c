ALTER TABLE "attention_actions" DROP CONSTRAINT "attention_actions_action";--> statement-breakpoint
ALTER TABLE "settlements" ADD COLUMN "written_off_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "attention_actions" ADD CONSTRAINT "attention_actions_action" CHECK ("attention_actions"."action" IN ('retry', 'collected_elsewhere', 'written_off'));