ALTER TABLE `apps` ADD `cost_budget_micro_usd_per_month` integer;--> statement-breakpoint
ALTER TABLE `services` ADD `limits` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `teams` ADD `cost_budget_micro_usd_per_month` integer;