CREATE INDEX "sale_records_flight_voucher" ON "sale_records" USING btree ("flight_id","voucher_id");--> statement-breakpoint
DROP INDEX "sale_records_flight";--> statement-breakpoint
DROP INDEX "sale_records_voucher";
