CREATE TABLE "receipt_reports" (
	"record_id" uuid PRIMARY KEY NOT NULL,
	"registration_id" uuid NOT NULL,
	"flight_id" uuid NOT NULL,
	"terminal_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"sequence" integer NOT NULL,
	"record_hash" "bytea" NOT NULL,
	"currency" text NOT NULL,
	"total_minor" bigint NOT NULL,
	"created_at_ms" bigint NOT NULL,
	"receipt_text" text NOT NULL,
	"reported_at_ms" bigint NOT NULL,
	"closed_at_ms" bigint,
	"closed_by" text,
	"close_note" text,
	CONSTRAINT "receipt_reports_total_non_negative" CHECK ("receipt_reports"."total_minor" >= 0),
	CONSTRAINT "receipt_reports_closed_whole" CHECK (("receipt_reports"."closed_at_ms" IS NULL) = ("receipt_reports"."closed_by" IS NULL))
);
--> statement-breakpoint
ALTER TABLE "receipt_reports" ADD CONSTRAINT "receipt_reports_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receipt_reports" ADD CONSTRAINT "receipt_reports_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receipt_reports" ADD CONSTRAINT "receipt_reports_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "receipt_reports_flight" ON "receipt_reports" USING btree ("flight_id");--> statement-breakpoint
CREATE INDEX "receipt_reports_registration" ON "receipt_reports" USING btree ("registration_id");