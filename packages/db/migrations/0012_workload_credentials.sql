CREATE TABLE `app_workload_credentials` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`spiffe_id` text NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `app_workload_credentials_app_idx` ON `app_workload_credentials` (`app_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `app_workload_credentials_active_spiffe_idx` ON `app_workload_credentials` (`spiffe_id`) WHERE "app_workload_credentials"."revoked_at" is null;