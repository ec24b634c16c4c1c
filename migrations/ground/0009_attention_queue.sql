CREATE TABLE "attention_actions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"record_id" uuid NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"note" text,
	"amount_minor" bigint DEFAULT 0 NOT NULL,
	"at_ms" bigint NOT NULL,
	CONSTRAINT "attention_actions_action" CHECK ("attention_actions"."action" IN ('retry', 'collected_elsewhere'))
);
--> statement-breakpoint
ALTER TABLE "settlements" ADD COLUMN "collected_elsewhere_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "attention_actions" ADD CONSTRAINT "attention_actions_record_id_sale_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."sale_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attention_actions_record" ON "attention_actions" USING btree ("record_id");--> statement-breakpoint
ALTER TABLE "settlements" ADD CONSTRAINT "settlements_collected_non_negative" CHECK ("settlements"."collected_elsewhere_minor" >= 0);