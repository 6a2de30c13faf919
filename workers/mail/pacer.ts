// The team's pace at the mail provider, shared by every sender (SPEC §9: "provider rate respected").
// Resend limits requests per second per team, across all API keys
// (https://resend.com/docs/api-reference/rate-limit), while the portal sends from many places at once:
// every batch's BatchUpload object in its verify step, the clerks' result mails, 重寄認證信 and
// completion mails from requests, the scheduled retry. So the pace lives in one D1 row (mail_pacer),
// not in any one object's memory: each request first reserves the next free slot — one statement, which
// D1 runs atomically — and a 429's retry-after or a used-up quota pauses every sender. The row survives
// restarts and deploys.
import { MailDeliveryError } from "./errors.ts";

/** A sender waits at most this long for its slot; beyond it the mail stays queued for a later try. */
export const MAX_PACE_WAIT_MS = 10_000;
/**
 * A daily or monthly quota 429 pauses sending this long when Resend names no retry-after: a daily quota
 * frees up as the day's mails age out, and a plan upgrade lifts either at once.
 */
export const QUOTA_RECHECK_MS = 60 * 60_000;

export type PacerState = { nextAt: number; pausedUntil: number; pauseReason: string | null };

export class MailPacer {
	readonly #db: D1Database;
	readonly #provider: string;
	readonly #intervalMs: number;

	constructor(db: D1Database, provider: string, ratePerSecond: number) {
		this.#db = db;
		this.#provider = provider;
		this.#intervalMs = Math.ceil(1000 / ratePerSecond);
	}

	/**
	 * Reserves the next free request slot and answers how long to wait for it, or null when the next
	 * free slot (or the end of a pause) is more than `maxWaitMs` away: then nothing is reserved.
	 */
	async reserve(now: number, maxWaitMs = MAX_PACE_WAIT_MS): Promise<number | null> {
		const slot = await this.#db
			.prepare(
				`INSERT INTO mail_pacer (provider, next_at, paused_until) VALUES (?1, ?2 + ?3, 0)
				ON CONFLICT (provider) DO UPDATE SET next_at = max(next_at, ?2, paused_until) + ?3
					WHERE max(next_at, ?2, paused_until) <= ?2 + ?4
				RETURNING next_at - ?3 AS slot`,
			)
			.bind(this.#provider, now, this.#intervalMs, maxWaitMs)
			.first<{ slot: number }>();
		return slot ? Math.max(0, slot.slot - now) : null;
	}

	/** No request before `until` from any sender (a 429's retry-after, a quota). Never shortens a pause. */
	async pause(until: number, reason: string): Promise<void> {
		await this.#db
			.prepare(
				`INSERT INTO mail_pacer (provider, next_at, paused_until, pause_reason) VALUES (?1, 0, ?2, ?3)
				ON CONFLICT (provider) DO UPDATE SET paused_until = ?2, pause_reason = ?3 WHERE paused_until < ?2`,
			)
			.bind(this.#provider, until, reason)
			.run();
	}

	/** When the next request may go at the earliest (0: now), for callers that schedule a retry. */
	async state(): Promise<PacerState> {
		const row = await this.#db
			.prepare(`SELECT next_at, paused_until, pause_reason FROM mail_pacer WHERE provider = ?1`)
			.bind(this.#provider)
			.first<{ next_at: number; paused_until: number; pause_reason: string | null }>();
		return { nextAt: row?.next_at ?? 0, pausedUntil: row?.paused_until ?? 0, pauseReason: row?.pause_reason ?? null };
	}

	/** Waits for a reserved slot, or throws a deferring MailDeliveryError (the message keeps its tries). */
	async take(now = Date.now(), maxWaitMs = MAX_PACE_WAIT_MS): Promise<void> {
		const wait = await this.reserve(now, maxWaitMs);
		if (wait === null) {
			const { pausedUntil, pauseReason } = await this.state();
			const why = pausedUntil > now ? `paused (${pauseReason ?? "provider"}) until ${new Date(pausedUntil).toISOString()}` : "busy";
			throw new MailDeliveryError(`Not sent yet: the team's mail pace is ${why}`, { retryable: true, deferred: true });
		}
		if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
	}
}
