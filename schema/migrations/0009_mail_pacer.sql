CREATE TABLE `mail_pacer` (
	`provider` text PRIMARY KEY NOT NULL,
	`next_at` integer NOT NULL,
	`paused_until` integer DEFAULT 0 NOT NULL,
	`pause_reason` text
);
