CREATE TABLE "issuer_keys" (
	"key_id" text PRIMARY KEY NOT NULL,
	"public_key" "bytea" NOT NULL,
	"status" text NOT NULL,
	"created_at_ms" bigint NOT NULL,
	"retired_at_ms" bigint
);
--> statement-breakpoint
CREATE TABLE "registrations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"passenger_id" uuid NOT NULL,
	"flight_id" uuid NOT NULL,
	"wallet_account_id" uuid NOT NULL,
	"hold_transfer_id" uuid NOT NULL,
	"cap_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"issuer_key_id" text NOT NULL,
	"voucher_text" text NOT NULL,
	"passenger_name" text NOT NULL,
	"seat" text,
	"valid_until_ms" bigint NOT NULL,
	"created_at_ms" bigint NOT NULL,
	"cancelled_at_ms" bigint
);
--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_passenger_id_passengers_id_fk" FOREIGN KEY ("passenger_id") REFERENCES "public"."passengers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_wallet_account_id_accounts_id_fk" FOREIGN KEY ("wallet_account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_hold_transfer_id_transfers_id_fk" FOREIGN KEY ("hold_transfer_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_issuer_key_id_issuer_keys_key_id_fk" FOREIGN KEY ("issuer_key_id") REFERENCES "public"."issuer_keys"("key_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_one_active" ON "registrations" USING btree ("passenger_id","flight_id") WHERE "registrations"."status" = 'active';--> statement-breakpoint
CREATE INDEX "registrations_flight" ON "registrations" USING btree ("flight_id");