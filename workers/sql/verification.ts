// Verification's raw SQL (STYLE 10, 11: raw SQL only on bulk paths, all of it in workers/sql/): the bulk
// statements of a wave of windows (rows travel as ONE JSON parameter read with json_each: D1 allows 100
// bound parameters per statement), and the guarded multi-statement writes of a confirmation and a
// resend, whose conditions (INSERT … SELECT … WHERE EXISTS) drizzle cannot say. Rows come back in
// camelCase. Every write is idempotent or guarded, so a replay changes nothing. Single-row reads are
// drizzle: workers/services/verification-queries.ts.
import type { RegistrationStatus } from "../../schema/d1.ts";

/** What names one window: its registration, generation and ticket. */
export type WindowKey = { registrationId: string; generation: number; ticketHash: string };

/** A queued hand-off joined with what its mail needs. */
export type HandoffRow = {
	registrationId: string;
	handoffGeneration: number;
	generation: number;
	status: RegistrationStatus;
	registrationBatchId: string;
	email: string;
	name: string | null;
	unitName: string | null;
};

/** [ticketHash, registrationId, generation, issuedAt, expiresAt] */
export type TicketTuple = [string, string, number, number, number];
export type StoredTicket = {
	registrationId: string;
	generation: number;
	ticketHash: string;
	/** The batch whose verify step issued it; null for a 重寄認證信. */
	batchId: string | null;
	issuedAt: number;
	expiresAt: number;
};

/**
 * The batch's hand-off to verification, made by its verify step: one queued row per registration the
 * batch issued that is still pending and has no ticket at its generation yet (a 重寄認證信 in between
 * already mailed one). Idempotent.
 */
export async function queueHandoffs(db: D1Database, batchId: string, now: number): Promise<void> {
	await db
		.prepare(
			`INSERT INTO verification_handoffs (batch_id, registration_id, generation, state, created_at)
			SELECT ?1, g.id, g.generation, 'queued', ?2
			FROM registrations g
			WHERE g.batch_id = ?1 AND g.status = 'pending'
				AND NOT EXISTS (SELECT 1 FROM verification_tickets t WHERE t.registration_id = g.id AND t.generation = g.generation)
			ON CONFLICT (batch_id, registration_id) DO NOTHING`,
		)
		.bind(batchId, now)
		.run();
}

/** Up to `limit` queued hand-offs of a batch, in a stable order (so a replayed wave takes the same rows). */
export async function queuedHandoffs(db: D1Database, batchId: string, limit: number): Promise<HandoffRow[]> {
	const { results } = await db
		.prepare(
			`SELECT h.registration_id, h.generation AS handoff_generation, g.generation, g.status,
				g.batch_id AS registration_batch_id, g.email,
				coalesce(p.name, r.name) AS name, u.name AS unit_name
			FROM verification_handoffs h
			JOIN registrations g ON g.id = h.registration_id
			LEFT JOIN people p ON p.id_no = g.id_no
			LEFT JOIN roster r ON r.unit_code = g.unit_code AND r.id_no = g.id_no
			LEFT JOIN units u ON u.code = g.unit_code
			WHERE h.batch_id = ?1 AND h.state = 'queued'
			ORDER BY h.registration_id
			LIMIT ?2`,
		)
		.bind(batchId, limit)
		.all<{
			registration_id: string;
			handoff_generation: number;
			generation: number;
			status: RegistrationStatus;
			registration_batch_id: string;
			email: string;
			name: string | null;
			unit_name: string | null;
		}>();
	return results.map((r) => ({
		registrationId: r.registration_id,
		handoffGeneration: r.handoff_generation,
		generation: r.generation,
		status: r.status,
		registrationBatchId: r.registration_batch_id,
		email: r.email,
		name: r.name,
		unitName: r.unit_name,
	}));
}

/** Sets the state of some hand-offs of a batch (queued → opened | superseded). */
export function setHandoffState(db: D1Database, batchId: string, state: "opened" | "superseded", registrationIds: readonly string[]): D1PreparedStatement {
	return db
		.prepare(
			`UPDATE verification_handoffs SET state = ?2
			WHERE batch_id = ?1 AND state = 'queued' AND registration_id IN (SELECT value FROM json_each(?3))`,
		)
		.bind(batchId, state, JSON.stringify(registrationIds));
}

/**
 * Inserts the tickets of a wave, keeping any that exist (one per registration and generation), and
 * answers what is stored: on a replay the stored issue and expiry times win, so the window and the
 * mail say the same deadline as the first attempt.
 */
export async function insertTickets(db: D1Database, batchId: string | null, tickets: readonly TicketTuple[]): Promise<StoredTicket[]> {
	if (tickets.length === 0) return [];
	const json = JSON.stringify(tickets);
	const [, stored] = await db.batch<{
		registration_id: string;
		generation: number;
		ticket_hash: string;
		batch_id: string | null;
		issued_at: number;
		expires_at: number;
	}>([
		db
			.prepare(
				`INSERT INTO verification_tickets (ticket_hash, registration_id, generation, batch_id, issued_at, expires_at)
				SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, ?1, j.value ->> 3, j.value ->> 4
				FROM json_each(?2) j WHERE true
				ON CONFLICT DO NOTHING`,
			)
			.bind(batchId, json),
		db
			.prepare(
				`SELECT t.registration_id, t.generation, t.ticket_hash, t.batch_id, t.issued_at, t.expires_at
				FROM json_each(?1) j JOIN verification_tickets t
					ON t.registration_id = j.value ->> 1 AND t.generation = j.value ->> 2`,
			)
			.bind(json),
	]);
	return (stored?.results ?? []).map((t) => ({
		registrationId: t.registration_id,
		generation: t.generation,
		ticketHash: t.ticket_hash,
		batchId: t.batch_id,
		issuedAt: t.issued_at,
		expiresAt: t.expires_at,
	}));
}

/**
 * The confirmation, in one D1 transaction. Precondition P: the ticket is this window's, unspent and
 * unexpired, and the registration is still pending at this generation and belongs to `idNo`.
 * 1. upsert the 註冊密碼 hash            — only if P;
 * 2. registration → verified            — only if P (1 does not change P);
 * 3. spend the ticket                   — only if it is unspent and 2 made the registration verified
 *    at this generation (one ticket per generation, so nothing else can have verified it).
 * A loser's statements all match nothing, whatever clock it passes. Answers whether this call won.
 */
export async function confirmInD1(
	db: D1Database,
	input: WindowKey & { idNo: string; passwordHash: string; now: number },
): Promise<boolean> {
	const p = `EXISTS (SELECT 1 FROM verification_tickets t JOIN registrations g ON g.id = t.registration_id
		WHERE t.ticket_hash = ?1 AND t.registration_id = ?2 AND t.generation = ?3 AND t.spent_at IS NULL
			AND t.expires_at > ?4 AND g.generation = ?3 AND g.status = 'pending' AND g.id_no = ?5)`;
	const args = [input.ticketHash, input.registrationId, input.generation, input.now, input.idNo] as const;
	const [, verified] = await db.batch([
		db
			.prepare(
				`INSERT INTO credentials (id_no, password_hash, updated_at)
				SELECT ?5, ?6, ?4 WHERE ${p}
				ON CONFLICT (id_no) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
			)
			.bind(...args, input.passwordHash),
		db
			.prepare(`UPDATE registrations SET status = 'verified', verified_at = ?4, updated_at = ?4 WHERE id = ?2 AND ${p}`)
			.bind(...args),
		db
			.prepare(
				`UPDATE verification_tickets SET spent_at = ?4
				WHERE ticket_hash = ?1 AND spent_at IS NULL
					AND EXISTS (SELECT 1 FROM registrations g WHERE g.id = ?2 AND g.generation = ?3 AND g.status = 'verified')`,
			)
			.bind(...args.slice(0, 4)),
	]);
	return (verified?.meta.changes ?? 0) === 1;
}

/**
 * A resend, atomically: record the request only if the person is out of the cooldown and under the
 * daily cap, and re-issue the registration (generation + 1, pending, the corrected e-mail) only if that
 * request was recorded and the registration is still at the generation the caller read. Of two
 * concurrent requests one wins. Answers whether this one did.
 */
export async function recordResend(
	db: D1Database,
	input: { idNo: string; registrationId: string; generation: number; email: string | null; now: number; cooldownMs: number; dayStart: number; dailyCap: number },
): Promise<boolean> {
	const [, reissued] = await db.batch([
		db
			.prepare(
				`INSERT INTO resend_requests (id_no, at)
				SELECT ?1, ?2
				WHERE NOT EXISTS (SELECT 1 FROM resend_requests WHERE id_no = ?1 AND at > ?2 - ?3)
					AND (SELECT count(*) FROM resend_requests WHERE id_no = ?1 AND at >= ?4) < ?5`,
			)
			.bind(input.idNo, input.now, input.cooldownMs, input.dayStart, input.dailyCap),
		db
			.prepare(
				`UPDATE registrations SET generation = generation + 1, status = 'pending', email = coalesce(?4, email), updated_at = ?2
				WHERE id = ?3 AND generation = ?5 AND status IN ('pending', 'expired')
					AND EXISTS (SELECT 1 FROM resend_requests WHERE id_no = ?1 AND at = ?2)`,
			)
			.bind(input.idNo, input.now, input.registrationId, input.email, input.generation),
	]);
	return (reissued?.meta.changes ?? 0) === 1;
}
