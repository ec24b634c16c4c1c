CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"currency" text NOT NULL,
	"owner_id" uuid,
	"debits_must_not_exceed_credits" boolean NOT NULL,
	"debits_posted_minor" bigint DEFAULT 0 NOT NULL,
	"credits_posted_minor" bigint DEFAULT 0 NOT NULL,
	"debits_pending_minor" bigint DEFAULT 0 NOT NULL,
	"credits_pending_minor" bigint DEFAULT 0 NOT NULL,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "accounts_currency_iso" CHECK ("accounts"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "accounts_totals_non_negative" CHECK ("accounts"."debits_posted_minor" >= 0 AND "accounts"."credits_posted_minor" >= 0 AND "accounts"."debits_pending_minor" >= 0 AND "accounts"."credits_pending_minor" >= 0),
	CONSTRAINT "accounts_no_overdraw" CHECK (NOT "accounts"."debits_must_not_exceed_credits" OR "accounts"."debits_posted_minor" + "accounts"."debits_pending_minor" <= "accounts"."credits_posted_minor")
);
--> statement-breakpoint
CREATE TABLE "transfers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"debit_account_id" uuid NOT NULL,
	"credit_account_id" uuid NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"pending_id" uuid,
	"expires_at_ms" bigint,
	"code" text NOT NULL,
	"reference" text,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "transfers_amount_positive" CHECK ("transfers"."amount_minor" > 0),
	CONSTRAINT "transfers_two_accounts" CHECK ("transfers"."debit_account_id" <> "transfers"."credit_account_id"),
	CONSTRAINT "transfers_resolution_names_pending" CHECK (("transfers"."kind" IN ('post', 'void', 'expire')) = ("transfers"."pending_id" IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_debit_account_id_accounts_id_fk" FOREIGN KEY ("debit_account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_credit_account_id_accounts_id_fk" FOREIGN KEY ("credit_account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_pending_id_transfers_id_fk" FOREIGN KEY ("pending_id") REFERENCES "public"."transfers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_owner_kind_currency" ON "accounts" USING btree ("kind","currency",coalesce("owner_id", '00000000-0000-0000-0000-000000000000'));--> statement-breakpoint
CREATE UNIQUE INDEX "transfers_pending_resolved_once" ON "transfers" USING btree ("pending_id");--> statement-breakpoint
CREATE INDEX "transfers_debit_account" ON "transfers" USING btree ("debit_account_id");--> statement-breakpoint
CREATE INDEX "transfers_credit_account" ON "transfers" USING btree ("credit_account_id");--> statement-breakpoint
CREATE INDEX "transfers_unresolved_expiry" ON "transfers" USING btree ("expires_at_ms") WHERE "transfers"."kind" = 'pending';