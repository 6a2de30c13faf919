// Retention (SPEC §10): upload records and their logs are kept for 3 months ("近3個月"), then
// removed by the daily Cron Trigger; sessions past their absolute time-out, spent or expired challenges and
// old wrong-password records are removed too.
import { addMonths, taipeiDayStartMs, taipeiToday } from "../domain/roc-date.ts";
import { SESSION_ABSOLUTE_MS } from "./sessions.ts";

const DAY_MS = 86_400_000;
/** wrangler.toml's daily Cron Trigger (03:00 Taipei) that runs purgeExpired. */
export const RETENTION_CRON = "0 19 * * *";

/** Batches uploaded before the first day of the 3-month window are removed. */
export function retentionCutoffMs(nowMs: number): number {
	return taipeiDayStartMs(addMonths(taipeiToday(nowMs), -3));
}

export async function purgeExpired(db: D1Database, nowMs = Date.now()): Promise<{ batches: number }> {
	const cutoff = retentionCutoffMs(nowMs);
	const old = "SELECT id FROM batches WHERE uploaded_at < ?1";
	const results = await db.batch([
		db.prepare(`DELETE FROM batch_rows WHERE batch_id IN (${old})`).bind(cutoff),
		db.prepare(`DELETE FROM verification_handoffs WHERE batch_id IN (${old})`).bind(cutoff),
		db.prepare(`DELETE FROM mail_outbox WHERE idempotency_key IN (SELECT 'batch-result:' || id FROM batches WHERE uploaded_at < ?1)`).bind(cutoff),
		db.prepare("DELETE FROM batches WHERE uploaded_at < ?1").bind(cutoff),
		db.prepare("DELETE FROM sessions WHERE created_at < ?1").bind(nowMs - SESSION_ABSOLUTE_MS),
		db.prepare("DELETE FROM challenges WHERE expires_at < ?1").bind(nowMs),
		db.prepare("DELETE FROM pending_proofs WHERE expires_at < ?1").bind(nowMs),
		// Rate-limit windows are 10 minutes; a day old is long past counting.
		db.prepare("DELETE FROM rate_limits WHERE window_start < ?1").bind(nowMs - 24 * 60 * 60 * 1000),
		// Tickets that expired more than 3 months ago answer "unknown" instead of "expired"; the
		// resend counters (60 s cooldown, 5 a day) need no more than a day.
		db.prepare("DELETE FROM verification_tickets WHERE expires_at < ?1").bind(cutoff),
		db.prepare("DELETE FROM resend_requests WHERE at < ?1").bind(nowMs - 24 * 60 * 60 * 1000),
		// The lock-out counts wrong passwords of the last 15 minutes only; a day is ample.
		db.prepare("DELETE FROM sign_in_failures WHERE at < ?1").bind(nowMs - DAY_MS),
	]);
	return { batches: results[3]?.meta.changes ?? 0 };
}
