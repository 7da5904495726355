-- Edited by hand: SQLite adds a NOT NULL column only with a default, which the schema leaves out (columns.ts:
-- drizzle's SQLite inserts would send it rather than call insertionSeq); the pg migration declares the same 0.
ALTER TABLE `plans` ADD `seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Rows made before the column keep the insertion order their rowid gave them (ADR 0041); new rows get
-- insertionSeq's numbers (epoch ms × 1000 and up), above every rowid.
UPDATE `plans` SET `seq` = rowid;--> statement-breakpoint
UPDATE `audit_events` SET `seq` = rowid;--> statement-breakpoint
UPDATE `webhooks` SET `seq` = rowid;
