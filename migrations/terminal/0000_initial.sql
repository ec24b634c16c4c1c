CREATE TABLE `crew_lockouts` (
	`flight_key` text NOT NULL,
	`crew_id` text NOT NULL,
	`failed_attempts` integer NOT NULL,
	`locked_until_ms` integer,
	PRIMARY KEY(`flight_key`, `crew_id`)
) STRICT;
--> statement-breakpoint
CREATE TABLE `enrolment` (
	`id` integer PRIMARY KEY NOT NULL,
	`terminal_id` text NOT NULL,
	`name` text NOT NULL,
	`ground_url` text NOT NULL,
	`manifest_public_key` blob NOT NULL,
	`enrolled_at_ms` integer NOT NULL,
	CONSTRAINT "enrolment_single_row" CHECK("enrolment"."id" = 1)
) STRICT;
--> statement-breakpoint
CREATE TABLE `flights` (
	`flight_key` text PRIMARY KEY NOT NULL,
	`manifest_id` text NOT NULL,
	`manifest` blob NOT NULL,
	`trolley_id` text NOT NULL,
	`loaded_at_ms` integer NOT NULL,
	`closed_at_ms` integer
) STRICT;
--> statement-breakpoint
CREATE TABLE `records` (
	`record_id` text PRIMARY KEY NOT NULL,
	`flight_key` text NOT NULL,
	`sequence` integer NOT NULL,
	`kind` text NOT NULL,
	`voucher_id` text NOT NULL,
	`referenced_record_id` text,
	`crew_id` text NOT NULL,
	`currency` text NOT NULL,
	`total_minor` integer NOT NULL,
	`lines` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	`hash` blob NOT NULL,
	`bytes` blob NOT NULL,
	`uploaded_at_ms` integer,
	`upload_outcome` text,
	FOREIGN KEY (`flight_key`) REFERENCES `flights`(`flight_key`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "records_total_non_negative" CHECK("records"."total_minor" >= 0)
) STRICT;
--> statement-breakpoint
CREATE UNIQUE INDEX `records_chain_position` ON `records` (`flight_key`,`sequence`);--> statement-breakpoint
CREATE INDEX `records_voucher` ON `records` (`flight_key`,`voucher_id`);--> statement-breakpoint
CREATE TABLE `stock` (
	`flight_key` text NOT NULL,
	`sku` text NOT NULL,
	`quantity` integer NOT NULL,
	PRIMARY KEY(`flight_key`, `sku`),
	FOREIGN KEY (`flight_key`) REFERENCES `flights`(`flight_key`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "stock_non_negative" CHECK("stock"."quantity" >= 0)
) STRICT;
--> statement-breakpoint
CREATE TABLE `voucher_usage` (
	`flight_key` text NOT NULL,
	`voucher_id` text NOT NULL,
	`spent_minor` integer NOT NULL,
	PRIMARY KEY(`flight_key`, `voucher_id`),
	CONSTRAINT "voucher_usage_non_negative" CHECK("voucher_usage"."spent_minor" >= 0)
) STRICT;
