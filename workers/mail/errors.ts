/**
 * A transport's failure to hand a message to its provider. `retryable` is the first decision a caller
 * needs: retryable (429, 5xx, network) → keep the message queued and try again later with the same
 * idempotency key; permanent (other 4xx, a missing attachment) → record it on the message and stop.
 * `deferred` refines a retryable failure that is not the message's: the team's daily or monthly quota is
 * used up, or the shared pacer (pacer.ts) has no slot soon enough. The message stays queued without
 * using up one of its tries, however long that lasts.
 * The message is safe to store and show: it never contains the API key.
 */
export class MailDeliveryError extends Error {
	readonly retryable: boolean;
	readonly deferred: boolean;
	/** HTTP status of the provider's answer, or null when there was no answer. */
	readonly status: number | null;
	/** The provider's Retry-After, when it sent one. */
	readonly retryAfterMs: number | null;

	constructor(
		message: string,
		options: { retryable: boolean; deferred?: boolean; status?: number | null; retryAfterMs?: number | null },
	) {
		super(message);
		this.name = "MailDeliveryError";
		this.retryable = options.retryable || options.deferred === true;
		this.deferred = options.deferred === true;
		this.status = options.status ?? null;
		this.retryAfterMs = options.retryAfterMs ?? null;
	}
}
