CREATE TABLE `rate_limits` (
	`action` text NOT NULL,
	`client_key` text NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`action`, `client_key`, `window_start`)
);
