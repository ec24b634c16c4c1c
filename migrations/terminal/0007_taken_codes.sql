CREATE TABLE `taken_codes` (
	`flight_key` text NOT NULL,
	`voucher_id` text NOT NULL,
	`slot_start_ms` integer NOT NULL,
	`counter` integer NOT NULL,
	`record_id` text NOT NULL,
	PRIMARY KEY(`flight_key`, `voucher_id`, `slot_start_ms`, `counter`)
) STRICT;
