-- batch_rows as a WITHOUT ROWID table: the primary key (batch_id, row_no) is the table itself, so each
-- of a batch's rows is one b-tree insert instead of two (the row, then its key index). drizzle has no
-- notation for WITHOUT ROWID: schema/d1.ts keeps the same columns and key; see the comment there.
CREATE TABLE `batch_rows_new` (
	`batch_id` text NOT NULL,
	`row_no` integer NOT NULL,
	`line_no` integer NOT NULL,
	`masked_id` text NOT NULL,
	`outcome` text NOT NULL,
	`code` text NOT NULL,
	`notes` text,
	`done_at` integer NOT NULL,
	PRIMARY KEY(`batch_id`, `row_no`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `batch_rows_new` SELECT `batch_id`, `row_no`, `line_no`, `masked_id`, `outcome`, `code`, `notes`, `done_at` FROM `batch_rows`;
--> statement-breakpoint
DROP TABLE `batch_rows`;
--> statement-breakpoint
ALTER TABLE `batch_rows_new` RENAME TO `batch_rows`;
