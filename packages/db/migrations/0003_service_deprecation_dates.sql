ALTER TABLE `services` ADD `deprecated_at` integer;--> statement-breakpoint
ALTER TABLE `services` ADD `sunset_at` integer;