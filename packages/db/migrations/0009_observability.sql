CREATE TABLE `call_bodies` (
	`call_record_id` text PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`request_body` text,
	`response_body` text,
	`request_truncated` integer DEFAULT false NOT NULL,
	`response_truncated` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `call_bodies_started_idx` ON `call_bodies` (`started_at`);--> statement-breakpoint
CREATE TABLE `call_rollups` (
	`level` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`team_id` text NOT NULL,
	`service_id` text NOT NULL,
	`api` text NOT NULL,
	`app_id` text NOT NULL,
	`model` text NOT NULL,
	`status_class` text NOT NULL,
	`requests` integer NOT NULL,
	`errors` integer NOT NULL,
	`latency_ms_sum` integer NOT NULL,
	`latency_sketch` blob NOT NULL,
	`ttft_sketch` blob,
	`bytes_in` integer NOT NULL,
	`bytes_out` integer NOT NULL,
	`input_tokens` integer NOT NULL,
	`cache_read_tokens` integer NOT NULL,
	`cache_write_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`reasoning_tokens` integer NOT NULL,
	`cost_micro_usd` integer NOT NULL,
	PRIMARY KEY(`level`, `bucket_start`, `team_id`, `service_id`, `api`, `app_id`, `model`, `status_class`)
);
--> statement-breakpoint
CREATE INDEX `call_rollups_service_idx` ON `call_rollups` (`level`,`service_id`,`bucket_start`);--> statement-breakpoint
CREATE INDEX `call_rollups_app_idx` ON `call_rollups` (`level`,`app_id`,`bucket_start`);--> statement-breakpoint
ALTER TABLE `call_records` ADD `key_prefix` text;--> statement-breakpoint
ALTER TABLE `call_records` ADD `api` text;--> statement-breakpoint
ALTER TABLE `call_records` ADD `trace_id` text;--> statement-breakpoint
CREATE INDEX `call_records_team_idx` ON `call_records` (`team_id`,`started_at`);--> statement-breakpoint
ALTER TABLE `services` ADD `capture_bodies` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `services` ADD `capture_redact` text DEFAULT '[]' NOT NULL;