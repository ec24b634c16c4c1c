ALTER TABLE "sale_records" DROP CONSTRAINT "sale_records_terminal_id_terminals_id_fk";
--> statement-breakpoint
ALTER TABLE "sale_records" DROP CONSTRAINT "sale_records_flight_id_flights_id_fk";
--> statement-breakpoint
ALTER TABLE "settlements" DROP CONSTRAINT "settlements_flight_id_flights_id_fk";
--> statement-breakpoint
ALTER TABLE "sale_records" ADD CONSTRAINT "sale_records_chain" FOREIGN KEY ("terminal_id","flight_id") REFERENCES "public"."terminal_chains"("terminal_id","flight_id") ON DELETE no action ON UPDATE no action;