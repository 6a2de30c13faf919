// The batch pipeline's bulk SQL, in one place. Rows travel as ONE JSON parameter read with
// json_each (D1 allows 100 bound parameters per statement; one JSON value may be up to 2 MB), which
// loads ~400–500k rows/s locally. Every write is idempotent, so a replayed step changes nothing.
import type { PersonStanding, RowCode } from "../../durable/batch-upload.steps.ts";

/** [idNo, email, mobile, phone] of the rows that go in. */
export type RegistrationTuple = [string, string, string, string | null];
/** [rowNo, lineNo, maskedId, idNo, code, notesJson] of every row. */
export type ResultTuple = [number, number, string, string, RowCode, string | null];

/** 在保保險對象 and registration standing of each ID, in input order. */
export async function lookupStanding(
	db: D1Database,
	unitCode: string,
	todayIso: string,
	ids: readonly string[],
): Promise<Map<string, PersonStanding>> {
	const standing = new Map<string, PersonStanding>();
	if (ids.length === 0) return standing;
	const { results } = await db
		.prepare(
			`SELECT j.value AS id_no,
				EXISTS (SELECT 1 FROM roster r
					WHERE r.unit_code = ?1 AND r.id_no = j.value AND r.enrolled_on <= ?2
					AND (r.withdrawn_on IS NULL OR r.withdrawn_on > ?2)) AS insured,
				(SELECT g.status FROM registrations g WHERE g.id_no = j.value) AS registration
			FROM json_each(?3) j`,
		)
		.bind(unitCode, todayIso, JSON.stringify(ids))
		.all<{ id_no: string; insured: number; registration: PersonStanding["registration"] }>();
	for (const r of results) standing.set(r.id_no, { insured: r.insured === 1, registration: r.registration });
	return standing;
}

/**
 * One chunk of the register step, atomically (db.batch is one transaction):
 * 1. upsert the pending registrations — one row per person, so overlapping uploads never make two;
 *    a re-issue by another upload bumps `generation` (old tickets die); a replay of the same upload
 *    does not; a completed (verified) registration is never touched;
 * 2. write each row's result; a row whose person was verified meanwhile becomes ALREADY_VERIFIED;
 * 3. set the progress counter to an absolute value.
 */
export async function registerChunk(
	db: D1Database,
	input: {
		batchId: string;
		unitCode: string;
		now: number;
		rowsDone: number;
		registrations: RegistrationTuple[];
		results: ResultTuple[];
	},
): Promise<void> {
	const { batchId, unitCode, now } = input;
	await db.batch([
		db
			.prepare(
				`INSERT INTO registrations
					(id, id_no, unit_code, email, mobile, phone, status, batch_id, generation, created_at, updated_at)
				SELECT lower(hex(randomblob(16))), j.value ->> 0, ?1, j.value ->> 1, j.value ->> 2, j.value ->> 3,
					'pending', ?2, 1, ?3, ?3
				FROM json_each(?4) j WHERE true
				ON CONFLICT (id_no) DO UPDATE SET
					unit_code = excluded.unit_code, email = excluded.email, mobile = excluded.mobile,
					phone = excluded.phone, status = 'pending',
					generation = CASE WHEN registrations.batch_id = excluded.batch_id
						THEN registrations.generation ELSE registrations.generation + 1 END,
					batch_id = excluded.batch_id, updated_at = excluded.updated_at
				WHERE registrations.status <> 'verified'`,
			)
			.bind(unitCode, batchId, now, JSON.stringify(input.registrations)),
		db
			.prepare(
				`INSERT INTO batch_rows (batch_id, row_no, line_no, masked_id, outcome, code, notes, done_at)
				SELECT ?1, j.value ->> 0, j.value ->> 1, j.value ->> 2,
					CASE WHEN j.value ->> 4 NOT IN ('REGISTERED', 'RESENT') THEN 'failed'
						WHEN g.status = 'pending' THEN lower(j.value ->> 4) ELSE 'failed' END,
					CASE WHEN j.value ->> 4 NOT IN ('REGISTERED', 'RESENT') OR g.status = 'pending'
						THEN j.value ->> 4 ELSE 'ALREADY_VERIFIED' END,
					j.value ->> 5, ?2
				FROM json_each(?3) j LEFT JOIN registrations g ON g.id_no = j.value ->> 3
				WHERE true
				ON CONFLICT (batch_id, row_no) DO NOTHING`,
			)
			.bind(batchId, now, JSON.stringify(input.results)),
		db.prepare(`UPDATE batches SET rows_done = ?2 WHERE id = ?1`).bind(batchId, input.rowsDone),
	]);
}

/** The verification hand-off of one chunk: one queued row per (upload, registration). */
export async function recordHandoffs(db: D1Database, batchId: string, now: number, ids: readonly string[]): Promise<void> {
	if (ids.length === 0) return;
	await db
		.prepare(
			`INSERT INTO verification_handoffs (batch_id, registration_id, generation, state, created_at)
			SELECT ?1, g.id, g.generation, 'queued', ?2
			FROM json_each(?3) j JOIN registrations g ON g.id_no = j.value
			WHERE g.status = 'pending'
			ON CONFLICT (batch_id, registration_id) DO NOTHING`,
		)
		.bind(batchId, now, JSON.stringify(ids))
		.run();
}

/** Exact counts of a batch, from its stored results. */
export async function countResults(db: D1Database, batchId: string): Promise<{ total: number; success: number; failed: number }> {
	const row = await db
		.prepare(
			`SELECT count(*) AS total, coalesce(sum(outcome <> 'failed'), 0) AS success
			FROM batch_rows WHERE batch_id = ?1`,
		)
		.bind(batchId)
		.first<{ total: number; success: number }>();
	const total = row?.total ?? 0;
	const success = row?.success ?? 0;
	return { total, success, failed: total - success };
}
