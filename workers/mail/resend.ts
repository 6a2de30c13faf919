// The Resend transport (SPEC §9: production mail). Request shapes follow Resend's documentation:
// - Send Email, https://resend.com/docs/api-reference/emails/send-email — POST /emails, JSON
//   { from, to (≤ 50), subject, text, html?, attachments?: [{ filename, content: base64, content_type? }] }
//   → 200 { id }.
// - Send Batch Emails, https://resend.com/docs/api-reference/emails/send-batch-emails and
//   https://resend.com/docs/dashboard/emails/batch-sending — POST /emails/batch, a JSON array of up to
//   100 such emails without attachments ("We currently do not support sending attachments when using
//   our batch endpoint", https://resend.com/docs/dashboard/emails/attachments) → 200 { data: [{ id }] }.
// - Idempotency keys, https://resend.com/docs/dashboard/emails/idempotency-keys — `Idempotency-Key`
//   header, ≤ 256 characters, remembered 24 hours: the same key with the same body answers the first
//   response without sending again; the same key with another body is 409 invalid_idempotent_request,
//   while the first is still running 409 concurrent_idempotent_requests.
// - Errors, https://resend.com/docs/api-reference/errors — JSON { statusCode, name, message }.
// - Rate limit, https://resend.com/docs/api-reference/rate-limit — 2 requests/s per team by default,
//   then 429 with `retry-after` (seconds).
//
// Why fetch and not the `resend` npm package: the SDK does run in workerd and accepts a baseUrl, but
// it turns every failure into an `{ error }` value whose statusCode is null for "no answer" and comes
// from the body otherwise, so telling a retryable 429 / 5xx / network failure from a permanent 4xx
// would mean re-deriving it from its error objects; and it bundles inbound-mail and webhook code
// (postal-mime, standardwebhooks) this Worker never uses. Two POSTs are simpler to own.
import { z } from "zod";
import { MailDeliveryError } from "./errors.ts";
import type { MailTransport, OutgoingMail, ResolvedAttachment } from "./port.ts";

/** Resend's batch endpoint takes at most 100 emails per call. */
export const RESEND_BATCH_LIMIT = 100;
/** The team rate Resend grants by default; wrangler.toml's RESEND_RATE_PER_SECOND overrides it. */
const DEFAULT_RATE_PER_SECOND = 2;
/** btoa() takes a binary string; build it in slices so a multi-MB log never spreads into one call. */
const BASE64_SLICE = 0x8000;

type ResendEnv = Pick<Env, "MAIL_FROM" | "RESEND_BASE_URL" | "RESEND_API_KEY">;

const sentAnswer = z.object({ id: z.string().min(1) });
const batchAnswer = z.object({ data: z.array(sentAnswer) });
const errorAnswer = z.object({ name: z.string().optional(), message: z.string().optional() });

export class ResendTransport implements MailTransport {
	readonly name = "resend" as const;
	// #private: the key never shows up in a logged or serialized transport.
	readonly #apiKey: string;
	readonly #baseUrl: string;
	readonly #from: string;

	constructor(env: ResendEnv) {
		if (!env.RESEND_API_KEY) throw new Error("RESEND_API_KEY is not set (wrangler secret put RESEND_API_KEY)");
		this.#apiKey = env.RESEND_API_KEY;
		this.#baseUrl = env.RESEND_BASE_URL.replace(/\/+$/, "");
		this.#from = env.MAIL_FROM;
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
	 * Up to RESEND_BATCH_LIMIT emails in one call, for bulk notices (e.g. verification mails). No
	 * attachments: the batch endpoint does not take them. `idempotencyKey` names the whole batch.
	 * Provider ids come back in the order of `mails`.
	 */
	async sendBatch(mails: OutgoingMail[], idempotencyKey: string): Promise<{ providerIds: string[] }> {
		if (mails.length === 0 || mails.length > RESEND_BATCH_LIMIT) {
			throw new RangeError(`a Resend batch holds 1–${RESEND_BATCH_LIMIT} emails, not ${mails.length}`);
		}
		if (mails.some((m) => (m.attachments ?? []).length > 0)) {
			throw new RangeError("Resend's batch endpoint does not take attachments; send those mails one by one");
		}
		const answer = batchAnswer.safeParse(await this.#post("/emails/batch", idempotencyKey, mails.map((m) => this.#email(m))));
		if (!answer.success || answer.data.data.length !== mails.length) {
			throw new MailDeliveryError("Resend's batch answer does not list one id per email", { retryable: true });
		}
		return { providerIds: answer.data.data.map((d) => d.id) };
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

	async #post(path: string, idempotencyKey: string, body: unknown): Promise<unknown> {
		let response: Response;
		try {
			response = await fetch(`${this.#baseUrl}${path}`, {
				method: "POST",
				headers: {
					Authorization: `Bearer ${this.#apiKey}`,
					"Content-Type": "application/json",
					"Idempotency-Key": idempotencyKey,
				},
				body: JSON.stringify(body),
			});
		} catch (err) {
			// No answer at all: the email may or may not exist; the same key on retry settles it.
			throw new MailDeliveryError(`Resend unreachable: ${err instanceof Error ? err.message : String(err)}`, {
				retryable: true,
			});
		}
		if (!response.ok) throw await deliveryError(response);
		try {
			return await response.json();
		} catch {
			throw new MailDeliveryError(`Resend answered ${response.status} with a body that is not JSON`, { retryable: true });
		}
	}
}

/** 429 and 5xx are worth another try (as is a 409 for a request with this key still in flight); other 4xx are not. */
async function deliveryError(response: Response): Promise<MailDeliveryError> {
	const raw = await response.text();
	let parsed: z.infer<typeof errorAnswer> = {};
	try {
		const result = errorAnswer.safeParse(JSON.parse(raw));
		if (result.success) parsed = result.data;
	} catch {
		// Not JSON (a proxy's HTML error page): the status decides alone.
	}
	const status = response.status;
	const name = parsed.name ?? "http_error";
	const retryable = status === 429 || status >= 500 || (status === 409 && name === "concurrent_idempotent_requests");
	const seconds = Number(response.headers.get("retry-after"));
	const retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
	const message = parsed.message ?? raw.slice(0, 200);
	return new MailDeliveryError(`Resend ${status} ${name}: ${message}`, { retryable, status, retryAfterMs });
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

/**
 * Pacing for callers that send many: with `sent` requests made since a run began `elapsedMs` ago,
 * how long to wait before the next one so that requests stay evenly spaced at `ratePerSecond`
 * (request n goes out n/rate seconds after the start). Pure; the caller sleeps or sets an alarm.
 */
export function paceDelayMs(sent: number, elapsedMs: number, ratePerSecond: number): number {
	const rate = Number.isFinite(ratePerSecond) && ratePerSecond > 0 ? ratePerSecond : DEFAULT_RATE_PER_SECOND;
	return Math.max(0, Math.ceil((sent * 1000) / rate - elapsedMs));
}
