// The outbox's bulk SQL (workers/mail/outbox.ts), in one place. Messages move as one JSON parameter
// read with json_each (D1 allows 100 bound parameters per statement; one JSON value may be up to 2 MB),
// and rows come back camelCased here, at the boundary. Every statement is safe to replay: inserts do
// nothing on a known key, and state changes only ever move a row that is still queued.
import type { MailStatus } from "../mail/types.ts";

/**
 * Mails per INSERT: the rows travel as one bound JSON value, which D1 caps at 2,000,000 bytes. A
 * verification mail is ~1,000 characters, mostly CJK (3 bytes each in UTF-8): ≤ 4 KB of JSON, so 200
 * mails stay under 1 MB.
 */
export const MAIL_INSERT_CHUNK = 200;

/** A stored message's delivery state: enough to decide whether (and how) to deliver it. */
export type OutboxState = { id: string; idempotencyKey: string; status: MailStatus; attempts: number; attachments: string };
/** A stored message in full: what gets delivered is what the first call stored. */
export type OutboxMessage = OutboxState & { to: string; subject: string; text: string; html: string | null };

export type NewOutboxRow = {
	id: string;
	idempotencyKey: string;
	to: string;
	subject: string;
	text: string;
	html: string | null;
	attachments: string;
};

type StateRow = { id: string; idempotency_key: string; status: MailStatus; attempts: number; attachments: string };
type MessageRow = StateRow & { to: string; subject: string; text: string; html: string | null };

const toState = (r: StateRow): OutboxState => ({
	id: r.id,
	idempotencyKey: r.idempotency_key,
	status: r.status,
	attempts: r.attempts,
	attachments: r.attachments,
});

/** Stores each new message as queued (INSERT … ON CONFLICT DO NOTHING: a known key keeps its first text). */
export async function insertMessages(d1: D1Database, rows: readonly NewOutboxRow[], transport: string, now: number): Promise<void> {
	const statements = [];
	for (let i = 0; i < rows.length; i += MAIL_INSERT_CHUNK) {
		const tuples = rows.slice(i, i + MAIL_INSERT_CHUNK).map((r) => [r.id, r.idempotencyKey, r.to, r.subject, r.text, r.html, r.attachments]);
		statements.push(
			d1
				.prepare(
					`INSERT INTO mail_outbox (id, idempotency_key, "to", subject, text, html, attachments, status, transport, attempts, created_at)
					SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6, 'queued', ?1, 0, ?2
					FROM json_each(?3) j WHERE true
					ON CONFLICT DO NOTHING`,
				)
				.bind(transport, now, JSON.stringify(tuples)),
		);
	}
	if (statements.length > 0) await d1.batch(statements);
}

/** The states of the messages `ids` names (the texts, KBs each, are read only for a transport that sends them). */
export async function outboxStates(d1: D1Database, ids: readonly string[]): Promise<OutboxState[]> {
	const { results } = await d1
		.prepare(`SELECT m.id, m.idempotency_key, m.status, m.attempts, m.attachments FROM json_each(?1) j JOIN mail_outbox m ON m.id = j.value`)
		.bind(JSON.stringify(ids))
		.all<StateRow>();
	return results.map(toState);
}

/** Messages left queued by retryable failures that still have tries, oldest first. */
export async function queuedStates(d1: D1Database, maxAttempts: number, limit: number): Promise<OutboxState[]> {
	const { results } = await d1
		.prepare(
			`SELECT id, idempotency_key, status, attempts, attachments FROM mail_outbox
			WHERE status = 'queued' AND attempts < ?1 ORDER BY created_at LIMIT ?2`,
		)
		.bind(maxAttempts, limit)
		.all<StateRow>();
	return results.map(toState);
}

/** The stored messages `ids` names, in that order. */
export async function outboxMessages(d1: D1Database, ids: readonly string[]): Promise<OutboxMessage[]> {
	const { results } = await d1
		.prepare(
			`SELECT m.id, m.idempotency_key, m.status, m.attempts, m.attachments, m."to", m.subject, m.text, m.html
			FROM json_each(?1) j JOIN mail_outbox m ON m.id = j.value ORDER BY j.key`,
		)
		.bind(JSON.stringify(ids))
		.all<MessageRow>();
	return results.map((r) => ({ ...toState(r), to: r.to, subject: r.subject, text: r.text, html: r.html }));
}

/**
 * Claims one attempt of each message: of two senders racing on a queued row only the one that still
 * sees its `attempts` moves it on, and delivers. Answers the ids this call won.
 */
export async function claimAttempts(d1: D1Database, rows: readonly Pick<OutboxState, "id" | "attempts">[], transport: string): Promise<Set<string>> {
	const { results } = await d1
		.prepare(
			`UPDATE mail_outbox SET attempts = attempts + 1, transport = ?2
			WHERE status = 'queued' AND EXISTS (
				SELECT 1 FROM json_each(?1) j WHERE j.value ->> 0 = mail_outbox.id AND j.value ->> 1 = mail_outbox.attempts)
			RETURNING id`,
		)
		.bind(JSON.stringify(rows.map((r) => [r.id, r.attempts])), transport)
		.all<{ id: string }>();
	return new Set(results.map((r) => r.id));
}

/** Claimed messages the provider took, with its ids. */
export async function markSent(d1: D1Database, sent: readonly [id: string, providerId: string][], now: number): Promise<void> {
	await d1
		.prepare(
			`UPDATE mail_outbox SET status = 'sent', provider_id = j.value ->> 1, error = NULL, sent_at = ?2
			FROM json_each(?1) j WHERE mail_outbox.id = j.value ->> 0 AND mail_outbox.status = 'queued'`,
		)
		.bind(JSON.stringify(sent), now)
		.run();
}

/**
 * The local outbox's delivery, for a whole batch at once: storing is delivering, so each still-queued
 * message is marked sent under its own id, in one statement. Answers the keys it moved.
 */
export async function markStoredSent(d1: D1Database, ids: readonly string[], now: number): Promise<string[]> {
	const { results } = await d1
		.prepare(
			`UPDATE mail_outbox SET status = 'sent', provider_id = id, error = NULL, sent_at = ?2, attempts = attempts + 1
			WHERE status = 'queued' AND id IN (SELECT value FROM json_each(?1))
			RETURNING idempotency_key`,
		)
		.bind(JSON.stringify(ids), now)
		.all<{ idempotency_key: string }>();
	return results.map((r) => r.idempotency_key);
}

/**
 * Failed attempts of claimed messages: a retryable failure keeps a message queued until its attempts
 * reach `maxAttempts`, any other is final. Answers each message's new status.
 */
export async function recordFailures(
	d1: D1Database,
	failures: readonly [id: string, error: string][],
	retryable: boolean,
	maxAttempts: number,
): Promise<{ id: string; idempotencyKey: string; status: MailStatus; attempts: number }[]> {
	const { results } = await d1
		.prepare(
			`UPDATE mail_outbox SET status = CASE WHEN ?2 AND mail_outbox.attempts < ?3 THEN 'queued' ELSE 'failed' END, error = j.value ->> 1
			FROM json_each(?1) j WHERE mail_outbox.id = j.value ->> 0 AND mail_outbox.status = 'queued'
			RETURNING mail_outbox.id, mail_outbox.idempotency_key, mail_outbox.status, mail_outbox.attempts`,
		)
		.bind(JSON.stringify(failures), retryable ? 1 : 0, maxAttempts)
		.all<{ id: string; idempotency_key: string; status: MailStatus; attempts: number }>();
	return results.map((r) => ({ id: r.id, idempotencyKey: r.idempotency_key, status: r.status, attempts: r.attempts }));
}

/**
 * Deferred attempts (a used-up quota, no slot at the team's pace: not the message's fault) give their
 * try back: `attempt` is the one each claim took, so a row another sender moved on is left alone.
 */
export async function giveBackAttempts(d1: D1Database, deferred: readonly [id: string, attempt: number][], error: string): Promise<void> {
	await d1
		.prepare(
			`UPDATE mail_outbox SET attempts = attempts - 1, error = ?2
			FROM json_each(?1) j WHERE mail_outbox.id = j.value ->> 0 AND mail_outbox.status = 'queued' AND mail_outbox.attempts = j.value ->> 1`,
		)
		.bind(JSON.stringify(deferred), error)
		.run();
}
