// The Resend transport (SPEC §9: production mail). Request shapes follow Resend's documentation:
// - Introduction, https://resend.com/docs/api-reference/introduction — `Authorization: Bearer <key>`, and
//   a `User-Agent` on every request: "Requests without this header will be rejected with a 403".
// - Send Email, https://resend.com/docs/api-reference/emails/send-email — POST /emails, JSON
//   { from, to (≤ 50), subject, text, html?, attachments?: [{ filename, content: base64, content_type? }] }
//   → 200 { id }.
// - Send Batch Emails, https://resend.com/docs/api-reference/emails/send-batch-emails and
//   https://resend.com/docs/dashboard/emails/batch-sending — POST /emails/batch, a JSON array of up to
//   100 such emails without attachments ("We currently do not support sending attachments when using
//   our batch endpoint", https://resend.com/docs/dashboard/emails/attachments) → 200 { data: [{ id }] }.
//   With `x-batch-validation: permissive` (https://resend.com/docs/dashboard/emails/batch-validation-modes)
//   an invalid email no longer fails the whole batch: `data` lists the created emails in request order and
//   `errors: [{ index, message }]` the ones that could not be created, by their index in the request.
// - Idempotency keys, https://resend.com/docs/dashboard/emails/idempotency-keys — `Idempotency-Key`
//   header, ≤ 256 characters, remembered 24 hours: the same key with the same body answers the first
//   response without sending again; the same key with another body is 409 invalid_idempotent_request,
//   while the first is still running 409 concurrent_idempotent_requests.
// - Errors, https://resend.com/docs/api-reference/errors — JSON { statusCode, name, message }; 429 is
//   `rate_limit_exceeded` (too many requests: wait `retry-after` seconds), `daily_quota_exceeded` or
//   `monthly_quota_exceeded` (the team's email quota is used up: waiting seconds does not help).
// - Usage limits, https://resend.com/docs/api-reference/rate-limit — requests per second per team, across
//   all its API keys; the portal's senders share one pace (pacer.ts).
//
// Why fetch and not the `resend` npm package (no longer a dependency): the SDK does run in workerd and
// sets a User-Agent, but it turns every failure into an `{ error }` value whose statusCode is null for
// "no answer" and comes from the body otherwise, so telling a retryable 429 / 5xx / network failure from
// a quota or a permanent 4xx would mean re-deriving it from its error objects; and it bundles inbound-mail
// and webhook code (postal-mime, standardwebhooks) this Worker never uses. Two POSTs are simpler to own.
import * as z from "zod/mini";
import { MailDeliveryError } from "./errors.ts";
import { MailPacer, QUOTA_RECHECK_MS } from "./pacer.ts";
import type { BatchOutcome, MailTransport, OutgoingMail, ResolvedAttachment } from "./types.ts";

/** Resend's batch endpoint takes at most 100 emails per call. */
export const RESEND_BATCH_LIMIT = 100;
/** Names the portal to Resend (required: a request without a User-Agent is refused with 403). */
export const USER_AGENT = "nhi-card-batch-registration/0.1.0 (+Cloudflare Workers)";
/** The team rate Resend grants by default; wrangler.toml's RESEND_RATE_PER_SECOND overrides it. */
const DEFAULT_RATE_PER_SECOND = 2;
/** A rate 429 without retry-after pauses every sender this long. */
const RATE_LIMIT_PAUSE_MS = 1000;
/** 429 names that mean the team's email quota, not its request rate, is used up. */
const QUOTA_ERRORS = new Set(["daily_quota_exceeded", "monthly_quota_exceeded"]);
/** btoa() takes a binary string; build it in slices so a multi-MB log never spreads into one call. */
const BASE64_SLICE = 0x8000;

type ResendEnv = Pick<Env, "DB" | "MAIL_FROM" | "RESEND_BASE_URL" | "RESEND_API_KEY" | "RESEND_RATE_PER_SECOND">;

const sentAnswer = z.object({ id: z.string().check(z.minLength(1)) });
const batchAnswer = z.object({
	data: z.array(sentAnswer),
	errors: z.optional(z.array(z.object({ index: z.int().check(z.nonnegative()), message: z.string() }))),
});
const errorAnswer = z.object({ name: z.optional(z.string()), message: z.optional(z.string()) });

export class ResendTransport implements MailTransport {
	readonly name = "resend" as const;
	readonly batchLimit = RESEND_BATCH_LIMIT;
	// #private: the key never shows up in a logged or serialized transport.
	readonly #apiKey: string;
	readonly #baseUrl: string;
	readonly #from: string;
	readonly #pacer: MailPacer;

	constructor(env: ResendEnv) {
		if (!env.RESEND_API_KEY) throw new Error("RESEND_API_KEY is not set (wrangler secret put RESEND_API_KEY)");
		this.#apiKey = env.RESEND_API_KEY;
		this.#baseUrl = env.RESEND_BASE_URL.replace(/\/+$/, "");
		this.#from = env.MAIL_FROM;
		this.#pacer = resendPacer(env);
	}

	async deliver(mail: OutgoingMail, attachments: ResolvedAttachment[]): Promise<{ providerId: string }> {
		const body = {
			...this.#email(mail),
			...(attachments.length > 0
				? {
						attachments: attachments.map((a) => ({
							filename: a.filename,
							content: toBase64(a.content),
							content_type: a.contentType,
						})),
					}
				: {}),
		};
		const answer = sentAnswer.safeParse(await this.#post("/emails", mail.idempotencyKey, body));
		if (!answer.success) throw new MailDeliveryError("Resend answered 200 without an email id", { retryable: true });
		return { providerId: answer.data.id };
	}

	/**
	 * Up to RESEND_BATCH_LIMIT emails in one call, for bulk notices (e.g. verification mails), validated
	 * permissively: an email Resend refuses (an invalid address) fails alone, the others are sent. No
	 * attachments: the batch endpoint does not take them. `idempotencyKey` names the whole batch.
	 * Outcomes come back in the order of `mails`.
	 */
	async sendBatch(mails: OutgoingMail[], idempotencyKey: string): Promise<{ outcomes: BatchOutcome[] }> {
		if (mails.length === 0 || mails.length > RESEND_BATCH_LIMIT) {
			throw new RangeError(`a Resend batch holds 1–${RESEND_BATCH_LIMIT} emails, not ${mails.length}`);
		}
		if (mails.some((m) => (m.attachments ?? []).length > 0)) {
			throw new RangeError("Resend's batch endpoint does not take attachments; send those mails one by one");
		}
		const raw = await this.#post("/emails/batch", idempotencyKey, mails.map((m) => this.#email(m)), { "x-batch-validation": "permissive" });
		const answer = batchAnswer.safeParse(raw);
		const refused = new Map((answer.data?.errors ?? []).map((e) => [e.index, e.message]));
		if (!answer.success || answer.data.data.length + refused.size !== mails.length || [...refused.keys()].some((i) => i >= mails.length)) {
			throw new MailDeliveryError("Resend's batch answer does not account for every email", { retryable: true });
		}
		const ids = answer.data.data.values();
		return {
			outcomes: mails.map((_, i) => {
				const message = refused.get(i);
				return message === undefined ? { id: (ids.next().value as { id: string }).id } : { error: `Resend refused this email: ${message}` };
			}),
		};
	}

	#email(mail: OutgoingMail) {
		return {
			from: this.#from,
			to: mail.to,
			subject: mail.subject,
			text: mail.text,
			...(mail.html === undefined ? {} : { html: mail.html }),
		};
	}

	/** One paced request: waits for the team's next slot (or defers), and a 429 pauses every sender. */
	async #post(path: string, idempotencyKey: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
		await this.#pacer.take();
		let response: Response;
		try {
			response = await fetch(`${this.#baseUrl}${path}`, {
				method: "POST",
				headers: {
					Authorization: `Bearer ${this.#apiKey}`,
					"Content-Type": "application/json",
					"User-Agent": USER_AGENT,
					"Idempotency-Key": idempotencyKey,
					...headers,
				},
				body: JSON.stringify(body),
			});
		} catch (err) {
			// No answer at all: the email may or may not exist; the same key on retry settles it.
			throw new MailDeliveryError(`Resend unreachable: ${err instanceof Error ? err.message : String(err)}`, {
				retryable: true,
			});
		}
		if (!response.ok) {
			const { error, name } = await deliveryError(response);
			if (error.status === 429) {
				// Every sender waits: the rate and the quotas are the team's, not this request's.
				const pause = error.retryAfterMs ?? (error.deferred ? QUOTA_RECHECK_MS : RATE_LIMIT_PAUSE_MS);
				await this.#pacer.pause(Date.now() + pause, name);
			}
			throw error;
		}
		try {
			return await response.json();
		} catch {
			throw new MailDeliveryError(`Resend answered ${response.status} with a body that is not JSON`, { retryable: true });
		}
	}
}

/**
 * 429 and 5xx are worth another try (as is a 409 for a request with this key still in flight); other 4xx
 * are not. A quota 429 is deferred: the message keeps its tries until the quota is back.
 */
async function deliveryError(response: Response): Promise<{ error: MailDeliveryError; name: string }> {
	const raw = await response.text();
	let parsed: z.infer<typeof errorAnswer> = {};
	try {
		const result = errorAnswer.safeParse(JSON.parse(raw));
		if (result.success) parsed = result.data;
	} catch {
		// Not JSON (a proxy's HTML error page, Cloudflare's "error code: 1010"): the status decides alone.
	}
	const status = response.status;
	const name = parsed.name ?? "http_error";
	const deferred = status === 429 && QUOTA_ERRORS.has(name);
	const retryable = status === 429 || status >= 500 || (status === 409 && name === "concurrent_idempotent_requests");
	const message = parsed.message ?? raw.slice(0, 200);
	const error = new MailDeliveryError(`Resend ${status} ${name}: ${message}`, {
		retryable,
		deferred,
		status,
		retryAfterMs: retryAfterMs(response.headers.get("retry-after")),
	});
	return { error, name };
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; null when absent or unreadable. */
function retryAfterMs(value: string | null): number | null {
	if (value === null || value.trim() === "") return null;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return seconds > 0 ? Math.ceil(seconds * 1000) : null;
	const at = Date.parse(value);
	return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function toBase64(bytes: Uint8Array): string {
	let binary = "";
	for (let i = 0; i < bytes.length; i += BASE64_SLICE) {
		binary += String.fromCharCode(...bytes.subarray(i, i + BASE64_SLICE));
	}
	return btoa(binary);
}

/** env.RESEND_RATE_PER_SECOND as a positive number (default 2, Resend's default team limit). */
export function resendRatePerSecond(env: Pick<Env, "RESEND_RATE_PER_SECOND">): number {
	const rate = Number(env.RESEND_RATE_PER_SECOND);
	return Number.isFinite(rate) && rate > 0 ? rate : DEFAULT_RATE_PER_SECOND;
}

/** The pace every Resend request of the team takes its slot from. */
export function resendPacer(env: Pick<Env, "DB" | "RESEND_RATE_PER_SECOND">): MailPacer {
	return new MailPacer(env.DB, "resend", resendRatePerSecond(env));
}
