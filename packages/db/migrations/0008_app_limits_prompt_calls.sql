ALTER TABLE `apps` ADD `limits` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `call_records` ADD `prompt_id` text;--> statement-breakpoint
ALTER TABLE `call_records` ADD `prompt_version` integer;