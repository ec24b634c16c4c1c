CREATE TABLE "cabin_counters" (
	"flight_id" uuid NOT NULL,
	"terminal_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"bytes" "bytea" NOT NULL,
	"reported_by" uuid NOT NULL,
	"received_at_ms" bigint NOT NULL,
	CONSTRAINT "cabin_counters_flight_id_terminal_id_pk" PRIMARY KEY("flight_id","terminal_id"),
	CONSTRAINT "cabin_counters_version" CHECK ("cabin_counters"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "cabin_counters" ADD CONSTRAINT "cabin_counters_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cabin_counters" ADD CONSTRAINT "cabin_counters_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cabin_counters" ADD CONSTRAINT "cabin_counters_reported_by_terminals_id_fk" FOREIGN KEY ("reported_by") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;