CREATE TABLE "enrolment_codes" (
	"code_hash" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"flight_id" uuid,
	"created_at_ms" bigint NOT NULL,
	"expires_at_ms" bigint NOT NULL,
	"used_at_ms" bigint,
	"terminal_id" uuid
);
--> statement-breakpoint
CREATE TABLE "request_nonces" (
	"terminal_id" uuid NOT NULL,
	"nonce" text NOT NULL,
	"seen_at_ms" bigint NOT NULL,
	CONSTRAINT "request_nonces_terminal_id_nonce_pk" PRIMARY KEY("terminal_id","nonce")
);
--> statement-breakpoint
CREATE TABLE "terminal_flights" (
	"terminal_id" uuid NOT NULL,
	"flight_id" uuid NOT NULL,
	"assigned_at_ms" bigint NOT NULL,
	CONSTRAINT "terminal_flights_terminal_id_flight_id_pk" PRIMARY KEY("terminal_id","flight_id")
);
--> statement-breakpoint
CREATE TABLE "terminals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"public_key" "bytea" NOT NULL,
	"enrolled_at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD CONSTRAINT "enrolment_codes_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD CONSTRAINT "enrolment_codes_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_nonces" ADD CONSTRAINT "request_nonces_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_flights" ADD CONSTRAINT "terminal_flights_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_flights" ADD CONSTRAINT "terminal_flights_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "request_nonces_seen" ON "request_nonces" USING btree ("seen_at_ms");