// Many mails at once (the registrants' verification mails of a batch, SPEC §3/§9), with the same
// promise as sendMail: each message is stored in mail_outbox under its idempotency key first, a
// retried call never sends a key twice, and what gets delivered is what the first call stored.
// Rows move as one JSON parameter (json_each) instead of four statements per mail.
// - outbox transport: storing is delivering, so one UPDATE marks the lot sent (no pacing needed);
// - Resend: Send Batch Emails (≤ RESEND_BATCH_LIMIT per request, validated permissively: a bad address
//   fails alone), each request at the team's pace (pacer.ts, shared by every sender);
// - any other transport (tests): sendMail per message.
import type { Db } from "../env.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { MailDeliveryError } from "./errors.ts";
import {
	assertSendable,
	MAX_DELIVERY_ATTEMPTS,
	outboxIdFor,
	sendMail,
	transportFor,
	type MailStatus,
	type OutgoingMail,
	type SendOptions,
} from "./port.ts";
import { RESEND_BATCH_LIMIT, ResendTransport } from "./resend.ts";

/**
 * Mails per INSERT: the rows travel as one bound JSON value, which D1 caps at 2,000,000 bytes. A
 * verification mail is ~1,000 characters, mostly CJK (3 bytes each in UTF-8): ≤ 4 KB of JSON, so 200
 * mails stay under 1 MB.
 */
export const MAIL_INSERT_CHUNK = 200;
const MAX_ERROR_LENGTH = 1000;

export type BulkSendOptions = SendOptions;

type StoredState = { id: string; idempotency_key: string; status: MailStatus; attempts: number };
type StoredRow = StoredState & { to: string; subject: string; text: string; html: string | null };

/** Stores and delivers `mails` (no attachments); answers each idempotency key's status. */
export async function sendMailBatch(
	env: Env,
	db: Db,
	mails: readonly OutgoingMail[],
	options: BulkSendOptions = {},
): Promise<Map<string, MailStatus>> {
	const statuses = new Map<string, MailStatus>();
	if (mails.length === 0) return statuses;
	for (const mail of mails) {
		assertSendable(mail);
		if ((mail.attachments ?? []).length > 0) throw new RangeError("sendMailBatch sends no attachments; use sendMail");
	}
	const transport = options.transport ?? transportFor(env);
	const now = options.now ?? Date.now();
	const d1 = db.$client;
	const tuples = await Promise.all(
		mails.map(async (m) => [await outboxIdFor(m.idempotencyKey), m.idempotencyKey, JSON.stringify(m.to), m.subject, m.text, m.html ?? null]),
	);
	const ids = tuples.map((t) => t[0]);
	await d1.batch(
		chunk(tuples, MAIL_INSERT_CHUNK).map((rows) =>
			d1
				.prepare(
					`INSERT INTO mail_outbox (id, idempotency_key, "to", subject, text, html, attachments, status, transport, attempts, created_at)
					SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, '[]', 'queued', ?1, 0, ?2
					FROM json_each(?3) j WHERE true
					ON CONFLICT DO NOTHING`,
				)
				.bind(transport.name, now, JSON.stringify(rows)),
		),
	);
	// States only: the texts (KBs each) are read back only for a transport that sends them.
	const { results: stored } = await d1
		.prepare(`SELECT m.id, m.idempotency_key, m.status, m.attempts FROM json_each(?1) j JOIN mail_outbox m ON m.id = j.value`)
		.bind(JSON.stringify(ids))
		.all<StoredState>();
	for (const row of stored) statuses.set(row.idempotency_key, row.status);
	const waiting = stored.filter((r) => r.status === "queued" && r.attempts < MAX_DELIVERY_ATTEMPTS);
	if (waiting.length === 0) return statuses;

	if (transport.name === "outbox") {
		const { results } = await d1
			.prepare(
				`UPDATE mail_outbox SET status = 'sent', provider_id = id, error = NULL, sent_at = ?2, attempts = attempts + 1
				WHERE status = 'queued' AND id IN (SELECT value FROM json_each(?1))
				RETURNING idempotency_key`,
			)
			.bind(JSON.stringify(waiting.map((r) => r.id)), Date.now())
			.all<{ idempotency_key: string }>();
		for (const r of results) statuses.set(r.idempotency_key, "sent");
		return statuses;
	}
	// The stored message is what gets delivered, so a retry sends exactly what the first call stored.
	const { results: queued } = await d1
		.prepare(
			`SELECT m.id, m.idempotency_key, m."to", m.subject, m.text, m.html, m.status, m.attempts
			FROM json_each(?1) j JOIN mail_outbox m ON m.id = j.value`,
		)
		.bind(JSON.stringify(waiting.map((r) => r.id)))
		.all<StoredRow>();
	if (transport instanceof ResendTransport) {
		await resendInBatches(d1, transport, queued, statuses);
		return statuses;
	}
	for (const row of queued) {
		const result = await sendMail(env, db, storedMail(row), { ...options, transport });
		statuses.set(row.idempotency_key, result.status);
	}
	return statuses;
}

/**
 * Resend's batch endpoint, one request per RESEND_BATCH_LIMIT mails, each at the team's pace (the
 * transport waits for its slot). Each request's idempotency key names its exact set of messages, so a
 * replay of the same set answers the first response instead of sending again.
 */
async function resendInBatches(
	d1: D1Database,
	transport: ResendTransport,
	queued: readonly StoredRow[],
	statuses: Map<string, MailStatus>,
): Promise<void> {
	for (const group of chunk(queued, RESEND_BATCH_LIMIT)) {
		const claimed = await claim(d1, group);
		if (claimed.length === 0) continue;
		try {
			const key = `mail-batch:${await sha256Hex(claimed.map((r) => r.idempotency_key).join("\n"))}`;
			const { outcomes } = await transport.sendBatch(claimed.map(storedMail), key);
			const sent: [string, string][] = [];
			for (const [i, r] of claimed.entries()) {
				const outcome = outcomes[i];
				if (outcome && "id" in outcome) {
					sent.push([r.id, outcome.id]);
					statuses.set(r.idempotency_key, "sent");
				} else {
					// Refused by Resend's validation (permissive mode): this mail fails alone, for good.
					const error = new MailDeliveryError(outcome?.error ?? "Resend refused this email", { retryable: false, status: 422 });
					statuses.set(r.idempotency_key, await recordFailure(d1, r, error));
				}
			}
			if (sent.length > 0) await markSent(d1, sent);
		} catch (err) {
			for (const r of claimed) statuses.set(r.idempotency_key, await recordFailure(d1, r, err));
			// Rate-limited, out of quota or down: leave the rest queued for the next call rather than hammer it.
			if (!(err instanceof MailDeliveryError) || err.retryable) return;
		}
	}
}

/** Claims this attempt of each row (as sendMail does): a row another sender moved on is skipped. */
async function claim(d1: D1Database, rows: readonly StoredRow[]): Promise<StoredRow[]> {
	const { results } = await d1
		.prepare(
			`UPDATE mail_outbox SET attempts = attempts + 1, transport = 'resend'
			WHERE status = 'queued' AND EXISTS (
				SELECT 1 FROM json_each(?1) j WHERE j.value ->> 0 = mail_outbox.id AND j.value ->> 1 = mail_outbox.attempts)
			RETURNING id`,
		)
		.bind(JSON.stringify(rows.map((r) => [r.id, r.attempts])))
		.all<{ id: string }>();
	const won = new Set(results.map((r) => r.id));
	return rows.filter((r) => won.has(r.id)).map((r) => ({ ...r, attempts: r.attempts + 1 }));
}

async function markSent(d1: D1Database, sent: [id: string, providerId: string][]): Promise<void> {
	await d1
		.prepare(
			`UPDATE mail_outbox SET status = 'sent', provider_id = j.value ->> 1, error = NULL, sent_at = ?2
			FROM json_each(?1) j WHERE mail_outbox.id = j.value ->> 0 AND mail_outbox.status = 'queued'`,
		)
		.bind(JSON.stringify(sent), Date.now())
		.run();
}

/**
 * A retryable failure keeps the (claimed) row queued until its attempts run out; a deferred one (a
 * used-up quota, no slot at the team's pace) keeps it queued and gives the attempt back; any other is final.
 */
async function recordFailure(d1: D1Database, row: StoredRow, err: unknown): Promise<MailStatus> {
	const text = err instanceof Error ? err.message : String(err);
	if (err instanceof MailDeliveryError && err.deferred) {
		await d1
			.prepare(`UPDATE mail_outbox SET attempts = ?2, error = ?3 WHERE id = ?1 AND status = 'queued' AND attempts = ?2 + 1`)
			.bind(row.id, row.attempts - 1, text.slice(0, MAX_ERROR_LENGTH))
			.run();
		return "queued";
	}
	const retryable = err instanceof MailDeliveryError ? err.retryable : true;
	const status: MailStatus = retryable && row.attempts < MAX_DELIVERY_ATTEMPTS ? "queued" : "failed";
	await d1
		.prepare(`UPDATE mail_outbox SET status = ?2, error = ?3 WHERE id = ?1 AND status = 'queued'`)
		.bind(row.id, status, text.slice(0, MAX_ERROR_LENGTH))
		.run();
	console.error(JSON.stringify({ mail: row.id, attempt: row.attempts, status, retryable }));
	return status;
}

function storedMail(row: StoredRow): OutgoingMail {
	const to: unknown = JSON.parse(row.to);
	if (!Array.isArray(to) || !to.every((a) => typeof a === "string")) throw new Error(`mail ${row.id}: bad "to"`);
	return { idempotencyKey: row.idempotency_key, to, subject: row.subject, text: row.text, ...(row.html === null ? {} : { html: row.html }) };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}
