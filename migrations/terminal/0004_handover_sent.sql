ALTER TABLE `flights` ADD `handover_sent_at_ms` integer;--> statement-breakpoint
-- Services closed before handovers existed are not reported afterwards: their ground figures stand.
UPDATE `flights` SET `handover_sent_at_ms` = `closed_at_ms` WHERE `closed_at_ms` IS NOT NULL;
