ALTER TABLE "registrations" ADD COLUMN "request_id" uuid;--> statement-breakpoint
ALTER TABLE "settlements" ADD COLUMN "registration_id" uuid;--> statement-breakpoint
ALTER TABLE "settlements" ADD CONSTRAINT "settlements_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_request" ON "registrations" USING btree ("passenger_id","request_id");--> statement-breakpoint
-- Sales settled before this migration were collected from the registration their voucher names.
UPDATE "settlements" s SET "registration_id" = r."voucher_id"
  FROM "sale_records" r JOIN "registrations" g ON g."id" = r."voucher_id"
 WHERE s."record_id" = r."id" AND r."kind" = 'sale' AND s."status" IN ('debited', 'shortfall');
