ALTER TABLE `voucher_usage` ADD `passenger_name` text;--> statement-breakpoint
ALTER TABLE `voucher_usage` ADD `seat` text;