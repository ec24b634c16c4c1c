CREATE TABLE "flight_rates" (
	"flight_id" uuid NOT NULL,
	"currency" text NOT NULL,
	"rate_micros" bigint NOT NULL,
	"source" text NOT NULL,
	"set_at_ms" bigint NOT NULL,
	"set_by" text NOT NULL,
	CONSTRAINT "flight_rates_flight_id_currency_pk" PRIMARY KEY("flight_id","currency"),
	CONSTRAINT "flight_rates_positive" CHECK ("flight_rates"."rate_micros" BETWEEN 1 AND 1000000000000)
);
--> statement-breakpoint
ALTER TABLE "flight_rates" ADD CONSTRAINT "flight_rates_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;