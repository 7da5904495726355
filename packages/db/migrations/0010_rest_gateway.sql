CREATE TABLE `app_credentials` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`issuer` text NOT NULL,
	`jwks_url` text,
	`keys` text,
	`audiences` text NOT NULL,
	`subject_claim` text DEFAULT 'sub' NOT NULL,
	`subject` text NOT NULL,
	`algorithms` text NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `app_credentials_app_idx` ON `app_credentials` (`app_id`);--> statement-breakpoint
CREATE INDEX `app_credentials_subject_idx` ON `app_credentials` (`issuer`,`subject`);--> statement-breakpoint
CREATE TABLE `upstream_credentials` (
	`service_id` text NOT NULL,
	`upstream` text NOT NULL,
	`header` text NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`service_id`, `upstream`),
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `apis` ADD `rest` text;--> statement-breakpoint
ALTER TABLE `services` ADD `rest` text;--> statement-breakpoint
ALTER TABLE `call_records` ADD `route` text;--> statement-breakpoint
ALTER TABLE `call_records` ADD `upstream` text;--> statement-breakpoint
ALTER TABLE `call_records` ADD `upstream_node` text;