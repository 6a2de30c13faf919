CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text,
	`unit_code` text,
	`action` text NOT NULL,
	`target` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `batch_rows` (
	`batch_id` text NOT NULL,
	`row_no` integer NOT NULL,
	`line_no` integer NOT NULL,
	`masked_id` text NOT NULL,
	`outcome` text NOT NULL,
	`code` text NOT NULL,
	`notes` text,
	`done_at` integer NOT NULL,
	PRIMARY KEY(`batch_id`, `row_no`)
);
--> statement-breakpoint
CREATE TABLE `batches` (
	`id` text PRIMARY KEY NOT NULL,
	`unit_code` text NOT NULL,
	`uploader_id_no` text NOT NULL,
	`uploader_name` text NOT NULL,
	`contact_name` text NOT NULL,
	`contact_email` text NOT NULL,
	`file_name` text NOT NULL,
	`file_bytes` integer NOT NULL,
	`uploaded_at` integer NOT NULL,
	`status` text NOT NULL,
	`failure_code` text,
	`failure_message` text,
	`encoding` text,
	`header_skipped` integer DEFAULT false NOT NULL,
	`total_rows` integer DEFAULT 0 NOT NULL,
	`rows_done` integer DEFAULT 0 NOT NULL,
	`success_count` integer DEFAULT 0 NOT NULL,
	`failure_count` integer DEFAULT 0 NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`unit_code`) REFERENCES `units`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `batches_unit_uploaded` ON `batches` (`unit_code`,`uploaded_at`);--> statement-breakpoint
CREATE INDEX `batches_uploader_uploaded` ON `batches` (`uploader_id_no`,`uploaded_at`);--> statement-breakpoint
CREATE TABLE `cards` (
	`card_no` text PRIMARY KEY NOT NULL,
	`id_no` text NOT NULL,
	`issued_on` text NOT NULL,
	`status` text NOT NULL,
	`public_key` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `cards_person` ON `cards` (`id_no`);--> statement-breakpoint
CREATE TABLE `mail_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`idempotency_key` text NOT NULL,
	`to` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`html` text,
	`attachments` text DEFAULT '[]' NOT NULL,
	`status` text NOT NULL,
	`transport` text NOT NULL,
	`provider_id` text,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mail_outbox_key` ON `mail_outbox` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `mail_outbox_status` ON `mail_outbox` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `people` (
	`id_no` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`birth_date` text NOT NULL,
	`email` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `registrations` (
	`id` text PRIMARY KEY NOT NULL,
	`id_no` text NOT NULL,
	`unit_code` text NOT NULL,
	`email` text NOT NULL,
	`mobile` text NOT NULL,
	`phone` text,
	`status` text NOT NULL,
	`batch_id` text NOT NULL,
	`generation` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`verified_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `registrations_person` ON `registrations` (`id_no`);--> statement-breakpoint
CREATE INDEX `registrations_batch` ON `registrations` (`batch_id`);--> statement-breakpoint
CREATE TABLE `roster` (
	`unit_code` text NOT NULL,
	`id_no` text NOT NULL,
	`name` text NOT NULL,
	`enrolled_on` text NOT NULL,
	`withdrawn_on` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`unit_code`, `id_no`),
	FOREIGN KEY (`unit_code`) REFERENCES `units`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`id_no` text NOT NULL,
	`csrf_token` text NOT NULL,
	`method` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_person` ON `sessions` (`id_no`);--> statement-breakpoint
CREATE TABLE `unit_staff` (
	`unit_code` text NOT NULL,
	`id_no` text NOT NULL,
	`role` text NOT NULL,
	`email` text NOT NULL,
	`authorized_by` text,
	`authorized_at` integer NOT NULL,
	`revoked_at` integer,
	PRIMARY KEY(`unit_code`, `id_no`),
	FOREIGN KEY (`unit_code`) REFERENCES `units`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`id_no`) REFERENCES `people`(`id_no`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `unit_staff_person` ON `unit_staff` (`id_no`);--> statement-breakpoint
CREATE TABLE `units` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`ban` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `verification_handoffs` (
	`batch_id` text NOT NULL,
	`registration_id` text NOT NULL,
	`generation` integer NOT NULL,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`batch_id`, `registration_id`)
);
--> statement-breakpoint
CREATE INDEX `handoffs_state` ON `verification_handoffs` (`state`);