CREATE TABLE "rejected_batches" (
	"id" uuid PRIMARY KEY NOT NULL,
	"terminal_id" uuid NOT NULL,
	"flight_id" uuid NOT NULL,
	"received_at_ms" bigint NOT NULL,
	"reason" text NOT NULL,
	"detail" text NOT NULL,
	"chain_index" integer,
	"chain_reason" text,
	"bytes" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sale_records" (
	"id" uuid PRIMARY KEY NOT NULL,
	"terminal_id" uuid NOT NULL,
	"flight_id" uuid NOT NULL,
	"sequence" integer NOT NULL,
	"kind" text NOT NULL,
	"voucher_id" uuid NOT NULL,
	"referenced_record_id" uuid,
	"crew_id" text NOT NULL,
	"trolley_id" text NOT NULL,
	"currency" text NOT NULL,
	"total_minor" bigint NOT NULL,
	"lines" jsonb NOT NULL,
	"created_at_ms" bigint NOT NULL,
	"received_at_ms" bigint NOT NULL,
	"record_hash" "bytea" NOT NULL,
	"bytes" "bytea" NOT NULL,
	"status" text NOT NULL,
	"reject_reason" text
);
--> statement-breakpoint
CREATE TABLE "settlements" (
	"record_id" uuid PRIMARY KEY NOT NULL,
	"flight_id" uuid NOT NULL,
	"terminal_id" uuid NOT NULL,
	"sequence" integer NOT NULL,
	"status" text NOT NULL,
	"from_hold_minor" bigint DEFAULT 0 NOT NULL,
	"from_balance_minor" bigint DEFAULT 0 NOT NULL,
	"shortfall_minor" bigint DEFAULT 0 NOT NULL,
	"reversed_minor" bigint DEFAULT 0 NOT NULL,
	"reason" text,
	"enqueued_at_ms" bigint,
	"settled_at_ms" bigint
);
--> statement-breakpoint
CREATE TABLE "terminal_chains" (
	"terminal_id" uuid NOT NULL,
	"flight_id" uuid NOT NULL,
	"head_sequence" integer NOT NULL,
	"head_hash" "bytea" NOT NULL,
	"closed_at_ms" bigint,
	"last_upload_at_ms" bigint NOT NULL,
	CONSTRAINT "terminal_chains_terminal_id_flight_id_pk" PRIMARY KEY("terminal_id","flight_id")
);
--> statement-breakpoint
ALTER TABLE "flights" ADD COLUMN "landed_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "flights" ADD COLUMN "closed_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "current_hold_transfer_id" uuid;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "released_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "rejected_batches" ADD CONSTRAINT "rejected_batches_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rejected_batches" ADD CONSTRAINT "rejected_batches_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sale_records" ADD CONSTRAINT "sale_records_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sale_records" ADD CONSTRAINT "sale_records_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlements" ADD CONSTRAINT "settlements_record_id_sale_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."sale_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlements" ADD CONSTRAINT "settlements_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_chains" ADD CONSTRAINT "terminal_chains_terminal_id_terminals_id_fk" FOREIGN KEY ("terminal_id") REFERENCES "public"."terminals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "terminal_chains" ADD CONSTRAINT "terminal_chains_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rejected_batches_flight" ON "rejected_batches" USING btree ("flight_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sale_records_chain_position" ON "sale_records" USING btree ("terminal_id","flight_id","sequence");--> statement-breakpoint
CREATE INDEX "sale_records_flight" ON "sale_records" USING btree ("flight_id");--> statement-breakpoint
CREATE INDEX "sale_records_voucher" ON "sale_records" USING btree ("voucher_id");--> statement-breakpoint
CREATE INDEX "settlements_pending" ON "settlements" USING btree ("terminal_id","flight_id","sequence") WHERE "settlements"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "settlements_flight_status" ON "settlements" USING btree ("flight_id","status");--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_current_hold_transfer_id_transfers_id_fk" FOREIGN KEY ("current_hold_transfer_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Registrations made before this migration take sales from their original hold.
UPDATE "registrations" SET "current_hold_transfer_id" = "hold_transfer_id" WHERE "status" = 'active';
