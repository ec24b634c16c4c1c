PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_voucher_usage` (
	`flight_key` text NOT NULL,
	`voucher_id` text NOT NULL,
	`spent_minor` integer NOT NULL,
	`approved_minor` integer DEFAULT 0 NOT NULL,
	`given_back_minor` integer DEFAULT 0 NOT NULL,
	`touch_spent_minor` integer DEFAULT 0 NOT NULL,
	`passenger_name` text,
	`seat` text,
	PRIMARY KEY(`flight_key`, `voucher_id`),
	CONSTRAINT "voucher_usage_non_negative" CHECK("spent_minor" >= 0),
	CONSTRAINT "voucher_usage_counters" CHECK("given_back_minor" >= 0 AND "approved_minor" - "given_back_minor" = "spent_minor"),
	CONSTRAINT "voucher_usage_touch" CHECK("touch_spent_minor" >= 0)
) STRICT;
--> statement-breakpoint
-- Nothing was in touch before: every voucher's baseline is what it spent before any sale here.
INSERT INTO `__new_voucher_usage`("flight_key", "voucher_id", "spent_minor", "approved_minor", "given_back_minor", "touch_spent_minor", "passenger_name", "seat") SELECT "flight_key", "voucher_id", "spent_minor", "approved_minor", "given_back_minor", 0, "passenger_name", "seat" FROM `voucher_usage`;--> statement-breakpoint
DROP TABLE `voucher_usage`;--> statement-breakpoint
ALTER TABLE `__new_voucher_usage` RENAME TO `voucher_usage`;--> statement-breakpoint
PRAGMA foreign_keys=ON;
