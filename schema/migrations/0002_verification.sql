CREATE TABLE `resend_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id_no` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `resend_requests_person` ON `resend_requests` (`id_no`,`at`);--> statement-breakpoint
CREATE TABLE `verification_tickets` (
	`ticket_hash` text PRIMARY KEY NOT NULL,
	`registration_id` text NOT NULL,
	`generation` integer NOT NULL,
	`batch_id` text,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`spent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `verification_tickets_registration` ON `verification_tickets` (`registration_id`,`generation`);