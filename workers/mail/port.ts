// The mail port (SPEC §9). Every message the portal sends goes through sendMail: it is stored in
// mail_outbox first (one row per idempotency key), then handed once to the configured transport —
// the local outbox (development and tests: the stored row is the delivery, shown by /dev/mailbox) or
// Resend (production). A retried call with the same key never sends twice; provider errors are
// recorded on the message (error text, attempts, status).
import { and, asc, eq, lt } from "drizzle-orm";
import { mailOutbox } from "../../schema/d1.ts";
import type { Db } from "../env.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { checkAttachment, parseAttachmentRefs, resolveAttachment } from "./attachments.ts";
import { MailDeliveryError } from "./errors.ts";
import { resendPacer, ResendTransport } from "./resend.ts";

export { MailDeliveryError } from "./errors.ts";

/** A file attached by reference: a batch log is several MB and a D1 row holds at most 2 MB. */
export type AttachmentRef = { kind: "batch-log" | "batch-result-csv"; batchId: string };

export type OutgoingMail = {
	/** Names the message, not the attempt: e.g. `batch-result:<batchId>`. 1–256 characters (Resend's limit). */
	idempotencyKey: string;
	to: string[];
	subject: string;
	text: string;
	html?: string;
	attachments?: AttachmentRef[];
};

export type ResolvedAttachment = { filename: string; contentType: string; content: Uint8Array };

export interface MailTransport {
	readonly name: "outbox" | "resend";
	/**
	 * "references": the transport keeps the message's attachment references and is handed no bytes
	 * (the outbox: /dev/mailbox renders a file when it is opened), so sending a batch's result mail
	 * does not render a 100,000-row log; each reference is still checked to name an existing file.
	 * Default "bytes": every attachment is rendered and handed over.
	 */
	readonly attachments?: "bytes" | "references";
	/** Hands the message to the provider; throws MailDeliveryError when the provider refuses it. */
	deliver(mail: OutgoingMail, attachments: ResolvedAttachment[]): Promise<{ providerId: string }>;
}

export type MailStatus = "queued" | "sent" | "failed";

export type AttachmentResolver = (ref: AttachmentRef) => Promise<ResolvedAttachment>;

/** Retryable failures (429, 5xx, no answer) after which a message is given up as failed. */
export const MAX_DELIVERY_ATTEMPTS = 5;
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
	attachments: "references",
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
	/** Defaults to resolveAttachment on the same database; tests inject their own. */
	resolve?: AttachmentResolver;
	/** Defaults to transportFor(env). */
	transport?: MailTransport;
	now?: number;
};

/**
 * Stores the mail in mail_outbox (INSERT … ON CONFLICT(idempotency_key) DO NOTHING) and delivers it
 * once through the configured transport; a retried call with the same key never sends twice — it
 * answers with the stored status, or retries a delivery that failed retryably. The stored message is
 * what gets delivered, so a retry sends exactly what the first call stored.
 * "queued" means a retryable failure (or a concurrent delivery in progress): call again later, or let
 * deliverQueued() pick it up. "failed" is final and its reason is on the row.
 */
export async function sendMail(
	env: Env,
	db: Db,
	mail: OutgoingMail,
	options: SendOptions = {},
): Promise<{ id: string; status: MailStatus }> {
	assertSendable(mail);
	const transport = options.transport ?? transportFor(env);
	const id = await outboxIdFor(mail.idempotencyKey);
	await db
		.insert(mailOutbox)
		.values({
			id,
			idempotencyKey: mail.idempotencyKey,
			to: JSON.stringify(mail.to),
			subject: mail.subject,
			text: mail.text,
			html: mail.html ?? null,
			attachments: JSON.stringify(mail.attachments ?? []),
			status: "queued",
			transport: transport.name,
			attempts: 0,
			createdAt: options.now ?? Date.now(),
		})
		.onConflictDoNothing({ target: mailOutbox.idempotencyKey });
	const row = await db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, mail.idempotencyKey)).get();
	if (!row) throw new Error("mail_outbox row vanished right after its insert");
	if (row.status !== "queued") return { id: row.id, status: row.status };
	const resolve = options.resolve ?? ((ref: AttachmentRef) => resolveAttachment(db, ref));
	return { id: row.id, status: (await deliverRow(db, row, transport, resolve)).status };
}

/**
 * Retries messages left queued by retryable failures, oldest first, at most `limit` of them (for the
 * scheduled job). Stops at the first deferral (a used-up quota, no slot at the team's pace): the rest
 * would only be deferred too.
 */
export async function deliverQueued(
	env: Env,
	db: Db,
	options: SendOptions & { limit?: number } = {},
): Promise<{ id: string; status: MailStatus }[]> {
	const transport = options.transport ?? transportFor(env);
	const resolve = options.resolve ?? ((ref: AttachmentRef) => resolveAttachment(db, ref));
	const rows = await db
		.select()
		.from(mailOutbox)
		.where(and(eq(mailOutbox.status, "queued"), lt(mailOutbox.attempts, MAX_DELIVERY_ATTEMPTS)))
		.orderBy(asc(mailOutbox.createdAt))
		.limit(options.limit ?? 50)
		.all();
	const results: { id: string; status: MailStatus }[] = [];
	for (const row of rows) {
		const { status, deferred } = await deliverRow(db, row, transport, resolve);
		results.push({ id: row.id, status });
		if (deferred) break;
	}
	return results;
}

type OutboxRow = typeof mailOutbox.$inferSelect;

async function deliverRow(
	db: Db,
	row: OutboxRow,
	transport: MailTransport,
	resolve: AttachmentResolver,
): Promise<{ status: MailStatus; deferred: boolean }> {
	// Claim this attempt: of two calls racing on one queued row only one moves `attempts` on and
	// delivers. (A call that claimed and then died leaves the row queued for the next retry; the
	// provider's idempotency key makes that retry answer with the first email, not a second one.)
	const attempt = row.attempts + 1;
	const claimed = await db
		.update(mailOutbox)
		.set({ attempts: attempt, transport: transport.name })
		.where(and(eq(mailOutbox.id, row.id), eq(mailOutbox.status, "queued"), eq(mailOutbox.attempts, row.attempts)))
		.returning({ id: mailOutbox.id })
		.get();
	if (!claimed) return { status: "queued", deferred: false };

	const stillQueued = and(eq(mailOutbox.id, row.id), eq(mailOutbox.status, "queued"));
	const mail = storedMail(row);
	try {
		const refs = mail.attachments ?? [];
		let attachments: ResolvedAttachment[] = [];
		if (transport.attachments === "references") for (const ref of refs) await checkAttachment(db, ref);
		else attachments = await Promise.all(refs.map(resolve));
		const { providerId } = await transport.deliver(mail, attachments);
		await db
			.update(mailOutbox)
			.set({ status: "sent", providerId, error: null, sentAt: Date.now() })
			.where(stillQueued);
		return { status: "sent", deferred: false };
	} catch (err) {
		const text = err instanceof Error ? err.message : String(err);
		if (err instanceof MailDeliveryError && err.deferred) {
			// Not the message's fault (a used-up quota, no slot at the team's pace): it gives the try back.
			await db
				.update(mailOutbox)
				.set({ attempts: row.attempts, error: text.slice(0, MAX_ERROR_LENGTH) })
				.where(and(stillQueued, eq(mailOutbox.attempts, attempt)));
			return { status: "queued", deferred: true };
		}
		const retryable = err instanceof MailDeliveryError ? err.retryable : true;
		const status: MailStatus = retryable && attempt < MAX_DELIVERY_ATTEMPTS ? "queued" : "failed";
		await db
			.update(mailOutbox)
			.set({ status, error: text.slice(0, MAX_ERROR_LENGTH) })
			.where(stillQueued);
		// The outbox id only: addresses and provider text stay in D1.
		console.error(JSON.stringify({ mail: row.id, attempt, status, retryable }));
		return { status, deferred: false };
	}
}

function storedMail(row: OutboxRow): OutgoingMail {
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
export function assertSendable(mail: OutgoingMail): void {
	if (mail.idempotencyKey.length === 0 || mail.idempotencyKey.length > MAX_KEY_LENGTH) {
		throw new RangeError(`idempotencyKey must be 1–${MAX_KEY_LENGTH} characters`);
	}
	if (mail.to.length === 0 || mail.to.length > MAX_RECIPIENTS) {
		throw new RangeError(`a mail needs 1–${MAX_RECIPIENTS} recipients`);
	}
}
