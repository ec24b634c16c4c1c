ALTER TABLE `flights` ADD `rotation_id` text;--> statement-breakpoint
ALTER TABLE `flights` ADD `leg_number` integer;--> statement-breakpoint
ALTER TABLE `flights` ADD `opened_at_ms` integer;--> statement-breakpoint
ALTER TABLE `flights` ADD `seal_at_open` text;--> statement-breakpoint
ALTER TABLE `flights` ADD `seal_at_close` text;--> statement-breakpoint
-- A flight loaded before rotations was opened when it was loaded: the last loaded stays current.
UPDATE `flights` SET `opened_at_ms` = `loaded_at_ms`;
