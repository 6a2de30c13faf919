CREATE TABLE `certificate_bindings` (
	`issuer` text NOT NULL,
	`serial` text NOT NULL,
	`id_no` text NOT NULL,
	`public_key_sha256` text NOT NULL,
	`bound_by` text NOT NULL,
	`bound_at` integer NOT NULL,
	`revoked_at` integer,
	PRIMARY KEY(`issuer`, `serial`)
);
--> statement-breakpoint
CREATE INDEX `certificate_bindings_person` ON `certificate_bindings` (`id_no`);--> statement-breakpoint
CREATE TABLE `pending_proofs` (
	`binding_hash` text NOT NULL,
	`kind` text NOT NULL,
	`id_no` text NOT NULL,
	`certificate_issuer` text NOT NULL,
	`certificate_serial` text NOT NULL,
	`public_key_sha256` text NOT NULL,
	`ban` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`binding_hash`, `kind`)
);
