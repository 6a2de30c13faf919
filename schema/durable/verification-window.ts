// VerificationWindow's own SQLite schema (append-only). See schema/STORAGE.md.
export const VERIFICATION_WINDOW_MIGRATIONS = [
	// One row: the window this object is. It lives from open() until the confirmation or the expiry,
	// after which the object deletes all of its storage.
	`CREATE TABLE state (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		registration_id TEXT NOT NULL,
		generation INTEGER NOT NULL,
		ticket_hash TEXT NOT NULL,
		opened_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL,
		status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'expired', 'superseded'))
	)`,
] as const;
