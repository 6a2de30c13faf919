// Retention (SPEC §10): upload records and their logs are kept for 3 months ("近3個月"), then
// removed by the daily Cron Trigger; sessions past their absolute time-out, spent or expired challenges and
// old wrong-password records are removed too.
import { inArray, lt, sql } from "drizzle-orm";
import {
	batches,
	batchRows,
	challenges,
	mailOutbox,
	pendingProofs,
	rateLimits,
	resendRequests,
	sessions,
	signInFailures,
	verificationHandoffs,
	verificationTickets,
} from "../../schema/d1.ts";
import { addMonths, taipeiDayStartMs, taipeiToday } from "../domain/roc-date.ts";
import type { Db } from "../env.ts";
import { SESSION_ABSOLUTE_MS } from "./sessions.ts";

const DAY_MS = 86_400_000;
/** wrangler.toml's daily Cron Trigger (03:00 Taipei) that runs purgeExpired. */
export const RETENTION_CRON = "0 19 * * *";

/** Batches uploaded before the first day of the 3-month window are removed. */
export function retentionCutoffMs(nowMs: number): number {
	return taipeiDayStartMs(addMonths(taipeiToday(nowMs), -3));
}

export async function purgeExpired(db: Db, nowMs = Date.now()): Promise<{ batches: number }> {
	const cutoff = retentionCutoffMs(nowMs);
	const old = db.select({ id: batches.id }).from(batches).where(lt(batches.uploadedAt, cutoff));
	const oldResultMails = db
		.select({ key: sql<string>`'batch-result:' || ${batches.id}` })
		.from(batches)
		.where(lt(batches.uploadedAt, cutoff));
	const [, , , removed] = await db.batch([
		db.delete(batchRows).where(inArray(batchRows.batchId, old)),
		db.delete(verificationHandoffs).where(inArray(verificationHandoffs.batchId, old)),
		db.delete(mailOutbox).where(inArray(mailOutbox.idempotencyKey, oldResultMails)),
		db.delete(batches).where(lt(batches.uploadedAt, cutoff)).returning({ id: batches.id }),
		db.delete(sessions).where(lt(sessions.createdAt, nowMs - SESSION_ABSOLUTE_MS)),
		db.delete(challenges).where(lt(challenges.expiresAt, nowMs)),
		db.delete(pendingProofs).where(lt(pendingProofs.expiresAt, nowMs)),
		// Rate-limit windows are 10 minutes; a day old is long past counting.
		db.delete(rateLimits).where(lt(rateLimits.windowStart, nowMs - DAY_MS)),
		// Tickets that expired more than 3 months ago answer "unknown" instead of "expired"; the
		// resend counters (60 s cooldown, 5 a day) need no more than a day.
		db.delete(verificationTickets).where(lt(verificationTickets.expiresAt, cutoff)),
		db.delete(resendRequests).where(lt(resendRequests.at, nowMs - DAY_MS)),
		// The lock-out counts wrong passwords of the last 15 minutes only; a day is ample.
		db.delete(signInFailures).where(lt(signInFailures.at, nowMs - DAY_MS)),
	]);
	return { batches: removed.length };
}
