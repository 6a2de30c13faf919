DROP INDEX `handoffs_state`;--> statement-breakpoint
CREATE INDEX `handoffs_state` ON `verification_handoffs` (`state`,`batch_id`);