// The batch pipeline's bulk SQL (STYLE 10, 11: raw SQL only on bulk paths, all of it in workers/sql/).
// Rows travel as JSON parameters read with json_each (D1 allows 100 bound parameters per statement;
// one JSON value may be up to 2 MB). Every write is idempotent, so a replayed step changes nothing.

/**
 * One chunk of the register step, atomically (db.batch is one transaction), so what it checks cannot
 * change before it writes:
 * 1. each row's result: a format failure from parse stays; otherwise 在保保險對象 of the unit today
 *    (else NOT_INSURED), then the person's registration: verified → ALREADY_VERIFIED, pending →
 *    RESENT (new mail, new window), none or expired → REGISTERED;
 * 2. upsert the registrations of the rows that went in — one row per person, so overlapping uploads
 *    never make two; a re-issue by another upload bumps `generation` (old tickets die), a replay of
 *    the same upload does not; a completed (verified) registration is never touched;
 * 3. set the progress counter to an absolute value.
 * A replay of a chunk that landed changes nothing: its results exist, so 2 finds the same rows.
 * The registrants are handed to verification after 入檔完畢, by the verify step (queueHandoffs in
 * workers/sql/verification.ts), from the registrations this batch issued.
 *
 * Speed (npm run bench): a new registration's id is `<batch>.<row>`, so inserts into its indexes and
 * the hand-offs' stay sequential (random ids made them three times slower at 100,000 rows); and in 2
 * CROSS JOIN keeps the JSON the outer loop with each result found by key — left to itself the planner
 * walks all of the batch's results and scans the JSON for each, which is quadratic.
 */
export async function registerChunk(
	db: D1Database,
	input: {
		batchId: string;
		unitCode: string;
		todayIso: string;
		now: number;
		rowsDone: number;
		/** The chunk's ResultTuple[] and ContactTuple[] (durable/batch-upload.steps.ts) as JSON, as parse stored them. */
		resultsJson: string;
		contactsJson: string;
	},
): Promise<void> {
	const { batchId, unitCode, now } = input;
	await db.batch([
		db
			.prepare(
				`INSERT INTO batch_rows (batch_id, row_no, line_no, masked_id, outcome, code, notes, done_at)
				SELECT ?1, j.value ->> 0, j.value ->> 1, j.value ->> 2,
					CASE WHEN j.value ->> 4 IS NOT NULL OR r.id_no IS NULL OR g.status = 'verified' THEN 'failed'
						WHEN g.status = 'pending' THEN 'resent' ELSE 'registered' END,
					CASE WHEN j.value ->> 4 IS NOT NULL THEN j.value ->> 4
						WHEN r.id_no IS NULL THEN 'NOT_INSURED'
						WHEN g.status = 'verified' THEN 'ALREADY_VERIFIED'
						WHEN g.status = 'pending' THEN 'RESENT' ELSE 'REGISTERED' END,
					j.value ->> 5, ?2
				FROM json_each(?3) j
				LEFT JOIN roster r ON j.value ->> 4 IS NULL AND r.unit_code = ?4 AND r.id_no = j.value ->> 3
					AND r.enrolled_on <= ?5 AND (r.withdrawn_on IS NULL OR r.withdrawn_on > ?5)
				LEFT JOIN registrations g ON j.value ->> 4 IS NULL AND g.id_no = j.value ->> 3
				WHERE true
				ON CONFLICT (batch_id, row_no) DO NOTHING`,
			)
			.bind(batchId, now, input.resultsJson, unitCode, input.todayIso),
		db
			.prepare(
				`INSERT INTO registrations
					(id, id_no, unit_code, email, mobile, phone, status, batch_id, generation, created_at, updated_at)
				SELECT ?1 || '.' || b.row_no, c.value ->> 1, ?4, c.value ->> 2, c.value ->> 3, c.value ->> 4,
					'pending', ?1, 1, ?2, ?2
				FROM json_each(?3) c CROSS JOIN batch_rows b ON b.batch_id = ?1 AND b.row_no = c.value ->> 0
				WHERE b.outcome <> 'failed'
				ON CONFLICT (id_no) DO UPDATE SET
					unit_code = excluded.unit_code, email = excluded.email, mobile = excluded.mobile,
					phone = excluded.phone, status = 'pending',
					generation = CASE WHEN registrations.batch_id = excluded.batch_id
						THEN registrations.generation ELSE registrations.generation + 1 END,
					batch_id = excluded.batch_id, updated_at = excluded.updated_at
				WHERE registrations.status <> 'verified'`,
			)
			.bind(batchId, now, input.contactsJson, unitCode),
		db.prepare(`UPDATE batches SET rows_done = ?2 WHERE id = ?1`).bind(batchId, input.rowsDone),
	]);
}
