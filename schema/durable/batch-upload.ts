// BatchUpload's own SQLite schema (append-only). See schema/STORAGE.md.
export const BATCH_UPLOAD_MIGRATIONS = [
	`CREATE TABLE state (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		batch_id TEXT NOT NULL,
		unit_code TEXT NOT NULL,
		file_name TEXT NOT NULL,
		uploaded_at INTEGER NOT NULL,
		step TEXT NOT NULL,
		cursor INTEGER NOT NULL DEFAULT 0,
		chunk_count INTEGER NOT NULL DEFAULT 0,
		total_rows INTEGER NOT NULL DEFAULT 0,
		started_at INTEGER,
		finished_at INTEGER,
		failure_code TEXT
	)`,
	// The uploaded text, split so no value exceeds the 2 MB row limit of Durable Object SQLite.
	`CREATE TABLE file_parts (idx INTEGER PRIMARY KEY, text TEXT NOT NULL)`,
	// Parsed rows in chunks (JSON arrays); \`outcomes\` is no longer written (the check is part of register).
	`CREATE TABLE chunks (idx INTEGER PRIMARY KEY, rows TEXT NOT NULL, outcomes TEXT)`,
	// The verify step's ticket key (base64url, 32 random bytes): registrants' tickets are derived from it,
	// so a replayed wave re-derives the tickets its stored mails carry. Set on entering verify, cleared at done.
	`ALTER TABLE state ADD COLUMN ticket_key TEXT`,
	// A chunk as register binds it: `rows` holds the results (ResultTuple[] JSON), `contacts` the contact
	// data of the rows that may go in, `last_row` the chunk's last row number (for the progress counter).
	`ALTER TABLE chunks ADD COLUMN contacts TEXT NOT NULL DEFAULT '[]'`,
	`ALTER TABLE chunks ADD COLUMN last_row INTEGER NOT NULL DEFAULT 0`,
] as const;
