ALTER TABLE "sale_records" ADD COLUMN "code_slot_start_ms" bigint;--> statement-breakpoint
ALTER TABLE "sale_records" ADD COLUMN "code_counter" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "sale_records_code_once" ON "sale_records" USING btree ("voucher_id","code_slot_start_ms","code_counter") WHERE "sale_records"."code_slot_start_ms" IS NOT NULL AND "sale_records"."status" = 'accepted';