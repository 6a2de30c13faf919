// The outbox (SPEC §9): every message the portal sends — one clerk's result mail or a wave of
// registrants' verification mails; a single mail is a batch of one — is stored in mail_outbox first
// (one row per idempotency key), then handed once to the configured transport:
// - the local outbox (development and tests): the stored row is the delivery (/dev/mailbox shows it),
//   so a batch is marked sent in one statement;
// - Resend (production): mails without attachments go through its batch endpoint when the transport
//   has one (≤ batchLimit a request, validated permissively: a bad address fails alone), each request at
//   the team's pace (pacer.ts); a mail with attachments, or alone, goes by itself.
// A retried call with the same key never sends twice, and what gets delivered is what the first call
// stored. Provider errors are recorded on the message (error text, attempts, status).
import type { Db } from "../env.ts";
import { sha256Hex } from "../lib/crypto.ts";
import {
	claimAttempts,
	giveBackAttempts,
	insertMessages,
	markSent,
	markStoredSent,
	outboxMessages,
	outboxStates,
	queuedStates,
	recordFailures,
	type OutboxMessage,
	type OutboxState,
} from "../sql/mail-outbox.ts";
import { parseAttachmentRefs } from "./attachment-refs.ts";
import { MailDeliveryError } from "./errors.ts";
import { resendPacer, ResendTransport } from "./resend.ts";
import type { AttachmentSource, BatchOutcome, MailStatus, MailTransport, OutgoingMail } from "./types.ts";

/** Retryable failures (429, 5xx, no answer) after which a message is given up as failed. */
export const MAX_DELIVERY_ATTEMPTS = 5;
/** How many queued messages one scheduled retry takes on. */
const QUEUED_PER_RUN = 50;
/** Resend's documented limits: idempotency keys of 1–256 characters, at most 50 recipients. */
const MAX_KEY_LENGTH = 256;
const MAX_RECIPIENTS = 50;
/** Stored error text is for people reading the mailbox, not a dump of the provider's answer. */
const MAX_ERROR_LENGTH = 1000;

/**
 * The outbox id is derived from the idempotency key, so the outbox transport can name the stored
 * row as its provider id and a replayed INSERT hits the same row whichever unique column it meets.
 */
export async function outboxIdFor(idempotencyKey: string): Promise<string> {
	return `mail_${(await sha256Hex(idempotencyKey)).slice(0, 32)}`;
}

/** Local delivery: the stored row is the message; /dev/mailbox shows it. */
export const outboxTransport: MailTransport = {
	name: "outbox",
	delivery: "stored",
	async deliver(mail) {
		return { providerId: await outboxIdFor(mail.idempotencyKey) };
	},
};

/** env.MAIL_TRANSPORT: "outbox" (the default) or "resend". */
export function transportFor(env: Env): MailTransport {
	const kind = env.MAIL_TRANSPORT || "outbox";
	switch (kind) {
		case "outbox":
			return outboxTransport;
		case "resend":
			return new ResendTransport(env);
		default:
			throw new Error(`Unknown MAIL_TRANSPORT "${kind}" (expected "outbox" or "resend")`);
	}
}

/**
 * Until when the configured transport takes no mail at all (a 429's retry-after, a used-up quota, shared
 * by every sender); 0 when it is not paused. For callers that schedule their next try.
 */
export async function mailPausedUntil(env: Env): Promise<number> {
	if ((env.MAIL_TRANSPORT || "outbox") !== "resend") return 0;
	return (await resendPacer(env).state()).pausedUntil;
}

export type SendOptions = {
	/** Defaults to transportFor(env). */
	transport?: MailTransport;
	/** Turns attachment references into files; required to send a mail that has any. */
	attachments?: AttachmentSource;
	now?: number;
};

/**
 * Stores `mails` and delivers each once; answers each idempotency key's status. A retried call with the
 * same key never sends twice: it answers the stored status, or retries a delivery that failed
 * retryably. "queued" means a retryable failure (or a concurrent delivery in progress): call again
 * later, or let deliverQueued() pick it up. "failed" is final and its reason is on the row.
 */
export async function sendMails(env: Env, db: Db, mails: readonly OutgoingMail[], options: SendOptions = {}): Promise<Map<string, MailStatus>> {
	for (const mail of mails) assertSendable(mail, options);
	const statuses = new Map<string, MailStatus>();
	if (mails.length === 0) return statuses;
	const transport = options.transport ?? transportFor(env);
	const rows = await Promise.all(
		mails.map(async (m) => ({
			id: await outboxIdFor(m.idempotencyKey),
			idempotencyKey: m.idempotencyKey,
			to: JSON.stringify(m.to),
			subject: m.subject,
			text: m.text,
			html: m.html ?? null,
			attachments: JSON.stringify(m.attachments ?? []),
		})),
	);
	await insertMessages(db.$client, rows, transport.name, options.now ?? Date.now());
	const stored = await outboxStates(db.$client, rows.map((r) => r.id));
	for (const row of stored) statuses.set(row.idempotencyKey, row.status);
	await deliver(db.$client, stored.filter(isWaiting), transport, options.attachments ?? null, statuses);
	return statuses;
}

/** One mail: a batch of one. */
export async function sendMail(env: Env, db: Db, mail: OutgoingMail, options: SendOptions = {}): Promise<{ id: string; status: MailStatus }> {
	const statuses = await sendMails(env, db, [mail], options);
	const status = statuses.get(mail.idempotencyKey);
	if (!status) throw new Error("mail_outbox row vanished right after its insert");
	return { id: await outboxIdFor(mail.idempotencyKey), status };
}

/**
 * Retries messages left queued by retryable failures, oldest first, at most `limit` of them (for the
 * scheduled job). Stops at the first request that fails retryably or is deferred (a used-up quota, no
 * slot at the team's pace): the rest would only wait too.
 */
export async function deliverQueued(
	env: Env,
	db: Db,
	options: SendOptions & { attachments: AttachmentSource; limit?: number },
): Promise<{ id: string; status: MailStatus }[]> {
	const transport = options.transport ?? transportFor(env);
	const queued = await queuedStates(db.$client, MAX_DELIVERY_ATTEMPTS, options.limit ?? QUEUED_PER_RUN);
	const statuses = new Map(queued.map((r) => [r.idempotencyKey, r.status]));
	await deliver(db.$client, queued, transport, options.attachments, statuses);
	return queued.map((r) => ({ id: r.id, status: statuses.get(r.idempotencyKey) ?? r.status }));
}

function isWaiting(row: OutboxState): boolean {
	return row.status === "queued" && row.attempts < MAX_DELIVERY_ATTEMPTS;
}

/** Delivers queued messages through `transport`, updating `statuses` by idempotency key. */
async function deliver(
	d1: D1Database,
	waiting: readonly OutboxState[],
	transport: MailTransport,
	source: AttachmentSource | null,
	statuses: Map<string, MailStatus>,
): Promise<void> {
	if (waiting.length === 0) return;
	if (transport.delivery === "stored") {
		// Each referenced file must exist (a missing one fails its message for good); then one UPDATE.
		const ready: string[] = [];
		for (const row of waiting) {
			try {
				for (const ref of parseAttachmentRefs(row.attachments)) await needSource(source).check(ref);
				ready.push(row.id);
			} catch (err) {
				const claimed = await claimAttempts(d1, [row], transport.name);
				if (claimed.size > 0) await recordFailure(d1, [{ ...row, attempts: row.attempts + 1 }], err, statuses);
			}
		}
		for (const key of await markStoredSent(d1, ready, Date.now())) statuses.set(key, "sent");
		return;
	}
	const messages = await outboxMessages(d1, waiting.map((r) => r.id));
	const batchable = transport.sendBatch ? messages.filter((m) => m.attachments === "[]") : [];
	const groups = [...chunk(batchable, transport.batchLimit ?? 1), ...messages.filter((m) => !batchable.includes(m)).map((m) => [m])];
	for (const group of groups) {
		const won = await claimAttempts(d1, group, transport.name);
		const claimed = group.filter((m) => won.has(m.id)).map((m) => ({ ...m, attempts: m.attempts + 1 }));
		if (claimed.length === 0) continue;
		try {
			const outcomes = await deliverGroup(transport, claimed, source);
			const sent: [OutboxState, string][] = [];
			const refused: [OutboxState, string][] = [];
			for (const [i, m] of claimed.entries()) {
				const outcome = outcomes[i];
				if (outcome && "id" in outcome) sent.push([m, outcome.id]);
				// Refused by the provider's validation (permissive mode): this mail fails alone, for good.
				else refused.push([m, outcome?.error ?? "The provider refused this email"]);
			}
			if (sent.length > 0) await markSent(d1, sent.map(([m, providerId]) => [m.id, providerId]), Date.now());
			for (const [m] of sent) statuses.set(m.idempotencyKey, "sent");
			if (refused.length > 0) await settleFailures(d1, refused, false, statuses);
		} catch (err) {
			await recordFailure(d1, claimed, err, statuses);
			// Rate-limited, out of quota or down: leave the rest queued for the next call rather than hammer it.
			if (!(err instanceof MailDeliveryError) || err.retryable) return;
		}
	}
}

/**
 * One request for the group: alone through deliver() (with its attachments' bytes, under its own
 * idempotency key), or as a batch whose key names its exact set of messages, so a replay of the same
 * set answers the first response instead of sending again.
 */
async function deliverGroup(transport: MailTransport, group: readonly OutboxMessage[], source: AttachmentSource | null): Promise<BatchOutcome[]> {
	const [only] = group;
	if (group.length === 1 && only) {
		const refs = parseAttachmentRefs(only.attachments);
		const files = await Promise.all(refs.map((ref) => needSource(source).resolve(ref)));
		const { providerId } = await transport.deliver(storedMail(only), files);
		return [{ id: providerId }];
	}
	if (!transport.sendBatch) throw new Error(`the ${transport.name} transport sends no batches`);
	const key = `mail-batch:${await sha256Hex(group.map((m) => m.idempotencyKey).join("\n"))}`;
	return (await transport.sendBatch(group.map(storedMail), key)).outcomes;
}

/**
 * A retryable failure keeps the claimed messages queued until their attempts run out; a deferred one
 * keeps them queued and gives the attempt back; any other is final. `claimed` carry the attempt taken.
 */
async function recordFailure(d1: D1Database, claimed: readonly OutboxState[], err: unknown, statuses: Map<string, MailStatus>): Promise<void> {
	const text = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_LENGTH);
	if (err instanceof MailDeliveryError && err.deferred) {
		await giveBackAttempts(d1, claimed.map((m) => [m.id, m.attempts]), text);
		for (const m of claimed) statuses.set(m.idempotencyKey, "queued");
		return;
	}
	const retryable = err instanceof MailDeliveryError ? err.retryable : true;
	await settleFailures(d1, claimed.map((m) => [m, text]), retryable, statuses);
}

/** Records failed attempts (each with its error text) and logs them by outbox id. */
async function settleFailures(d1: D1Database, failures: readonly [OutboxState, string][], retryable: boolean, statuses: Map<string, MailStatus>): Promise<void> {
	const recorded = await recordFailures(d1, failures.map(([m, text]) => [m.id, text.slice(0, MAX_ERROR_LENGTH)]), retryable, MAX_DELIVERY_ATTEMPTS);
	for (const r of recorded) {
		statuses.set(r.idempotencyKey, r.status);
		// The outbox id only: addresses and provider text stay in D1.
		console.error(JSON.stringify({ mail: r.id, attempt: r.attempts, status: r.status, retryable }));
	}
}

function needSource(source: AttachmentSource | null): AttachmentSource {
	if (!source) throw new Error("a mail with attachments was sent without an attachment source");
	return source;
}

function storedMail(row: OutboxMessage): OutgoingMail {
	const to: unknown = JSON.parse(row.to);
	if (!Array.isArray(to) || !to.every((a) => typeof a === "string")) throw new Error(`mail ${row.id}: bad "to"`);
	const attachments = parseAttachmentRefs(row.attachments);
	return {
		idempotencyKey: row.idempotencyKey,
		to,
		subject: row.subject,
		text: row.text,
		...(row.html === null ? {} : { html: row.html }),
		...(attachments.length > 0 ? { attachments } : {}),
	};
}

/** Programming errors, not provider answers: caught before anything is stored. */
export function assertSendable(mail: OutgoingMail, options: Pick<SendOptions, "attachments"> = {}): void {
	if (mail.idempotencyKey.length === 0 || mail.idempotencyKey.length > MAX_KEY_LENGTH) {
		throw new RangeError(`idempotencyKey must be 1–${MAX_KEY_LENGTH} characters`);
	}
	if (mail.to.length === 0 || mail.to.length > MAX_RECIPIENTS) {
		throw new RangeError(`a mail needs 1–${MAX_RECIPIENTS} recipients`);
	}
	if ((mail.attachments ?? []).length > 0 && !options.attachments) {
		throw new RangeError("a mail with attachments needs options.attachments to find its files");
	}
}

function chunk<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}
