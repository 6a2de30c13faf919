ALTER TABLE `unit_staff` ADD `staff_id` text;--> statement-breakpoint
UPDATE `unit_staff` SET `staff_id` = lower(hex(randomblob(16))) WHERE `staff_id` IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `unit_staff_staff_id` ON `unit_staff` (`staff_id`);--> statement-breakpoint
-- Rows inserted without an id (raw SQL such as the seed's) get one; drizzle inserts bring their own.
CREATE TRIGGER `unit_staff_staff_id_default` AFTER INSERT ON `unit_staff` FOR EACH ROW WHEN NEW.`staff_id` IS NULL
BEGIN
	UPDATE `unit_staff` SET `staff_id` = lower(hex(randomblob(16))) WHERE `unit_code` = NEW.`unit_code` AND `id_no` = NEW.`id_no`;
END;
