// Fixed-window counters for refusals worth throttling (SPEC §7: ticket brute force is rate limited and
// logged). A rule counts failed attempts per client IP and action in D1 (rate_limits); once a client
// has more than `max` failures in the current window each further failure is refused with 429 and a
// Retry-After of the window's end. The audit log gets one row per client and window, at the first
// refusal: the count of all of them is the rate_limits row's, so a flood of guesses cannot flood the
// audit trail too. Only failures are counted, so a caller decides what a failure is (for /verify: a
// ticket that matches nothing) and successful use is never throttled.
import { sql } from "drizzle-orm";
import { rateLimits } from "../../schema/d1.ts";
import type { Db } from "../env.ts";
import { audit } from "./audit.ts";

export type RateRule = { action: string; max: number; windowMs: number };

/** Unknown verification tickets: 20 per 10 minutes per IP. A real ticket is 256 random bits, so the
 * limit is not what stops guessing; it keeps guessing slow, and visible in the audit log. */
export const UNKNOWN_TICKET_RULE: RateRule = { action: "verify.unknown-ticket", max: 20, windowMs: 10 * 60_000 };

export const RATE_LIMITED_MESSAGE = "嘗試次數過多，請稍後再試。";

/** The client as Cloudflare sees it; requests that did not come through the edge (tests, wrangler dev) share "local". */
export function clientKeyOf(headers: Headers): string {
	return headers.get("CF-Connecting-IP")?.slice(0, 64) || "local";
}

export type RateCount = { limited: false } | { limited: true; retryAfterS: number };

/**
 * Counts one failure of `rule.action` by `clientKey` and says whether the client is now over the limit
 * (the `max`+1-th failure in the window and every one after it) and for how many seconds; the first
 * over-limit failure of a window is audited.
 */
export async function countFailure(db: Db, rule: RateRule, clientKey: string, now = Date.now()): Promise<RateCount> {
	const windowStart = now - (now % rule.windowMs);
	const row = await db
		.insert(rateLimits)
		.values({ action: rule.action, clientKey, windowStart, count: 1 })
		.onConflictDoUpdate({ target: [rateLimits.action, rateLimits.clientKey, rateLimits.windowStart], set: { count: sql`${rateLimits.count} + 1` } })
		.returning({ count: rateLimits.count })
		.get();
	const count = row?.count ?? 1;
	if (count <= rule.max) return { limited: false };
	if (count === rule.max + 1) {
		await audit(db, { actor: null, action: "rate-limit.refused", target: clientKey, detail: `${rule.action}; over ${rule.max} in the window from ${windowStart}` }, now);
	}
	return { limited: true, retryAfterS: Math.max(1, Math.ceil((windowStart + rule.windowMs - now) / 1000)) };
}
