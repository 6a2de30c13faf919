// Raw SQL of the operator roster feed's bulk path (STYLE 10, 11: raw SQL only on bulk paths, all of it
// in workers/sql/): rows travel as one JSON parameter per chunk and are spread with json_each, so a
// 100,000-row roster is a few dozen statements, not 100,000.
// Every write is an upsert, so loading the same file again leaves the same rows.

/** One valid roster row: 在保保險對象 of a unit, or a former one when withdrawnOn is set. */
export type RosterEntry = {
	unitCode: string;
	idNo: string;
	name: string;
	enrolledOn: string;
	withdrawnOn: string | null;
};

/**
 * Rows per statement. D1 allows 100 bound parameters per statement and 2,000,000 bytes per bound value;
 * a chunk binds 2 parameters, one of them the chunk as JSON text: at most ROSTER_CHUNK_ROWS × ~500 bytes
 * (codes, dates and a name of ≤ 50 characters, even if every one were a \uXXXX escape) ≈ 1,000,000 bytes.
 */
export const ROSTER_CHUNK_ROWS = 2_000;

/** The subset of `codes` that are known units (one statement, whatever the number of codes). */
export async function knownUnitCodes(db: D1Database, codes: readonly string[]): Promise<Set<string>> {
	if (codes.length === 0) return new Set();
	const { results } = await db
		.prepare(`SELECT code FROM units WHERE code IN (SELECT value FROM json_each(?1))`)
		.bind(JSON.stringify(codes))
		.all<{ code: string }>();
	return new Set(results.map((r) => r.code));
}

/**
 * Upserts roster rows. A row that did not change keeps its updated_at, so updated_at says when the feed
 * last changed the row. (SQLite needs the `WHERE true` to tell an upsert's ON CONFLICT from a join's ON.)
 */
export function upsertRosterChunk(db: D1Database, entries: readonly RosterEntry[], nowMs: number): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO roster (unit_code, id_no, name, enrolled_on, withdrawn_on, updated_at)
			SELECT value ->> '$.unitCode', value ->> '$.idNo', value ->> '$.name', value ->> '$.enrolledOn', value ->> '$.withdrawnOn', ?2
			FROM json_each(?1) WHERE true
			ON CONFLICT (unit_code, id_no) DO UPDATE SET
				name = excluded.name,
				enrolled_on = excluded.enrolled_on,
				withdrawn_on = excluded.withdrawn_on,
				updated_at = excluded.updated_at
			WHERE roster.name IS NOT excluded.name
				OR roster.enrolled_on IS NOT excluded.enrolled_on
				OR roster.withdrawn_on IS NOT excluded.withdrawn_on`,
		)
		.bind(JSON.stringify(entries), nowMs);
}

/**
 * Makes sure every roster member is a known person. The roster carries no birth date: a new person gets ""
 * (the column is NOT NULL) and an existing person keeps theirs; only the name follows the roster.
 * `people` holds each ID once: the caller decides which name wins, not the order of rows in a statement.
 */
export function upsertPeopleChunk(db: D1Database, people: readonly { idNo: string; name: string }[], nowMs: number): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO people (id_no, name, birth_date, email, created_at)
			SELECT value ->> '$.idNo', value ->> '$.name', '', NULL, ?2
			FROM json_each(?1) WHERE true
			ON CONFLICT (id_no) DO UPDATE SET name = excluded.name
			WHERE people.name IS NOT excluded.name`,
		)
		.bind(JSON.stringify(people), nowMs);
}

/** The audit_log row of one load (SPEC §10), as a statement so it commits in the same batch. */
export function rosterAuditStatement(db: D1Database, entry: { at: number; unitCode: string | null; detail: string }): D1PreparedStatement {
	return db
		.prepare(`INSERT INTO audit_log (at, actor, unit_code, action, target, detail) VALUES (?1, 'operator', ?2, 'roster.load', NULL, ?3)`)
		.bind(entry.at, entry.unitCode, entry.detail);
}
