import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { batchRows, batches, mailOutbox } from "../../schema/d1.ts";
import worker from "../../workers/index.ts";
import { MailDeliveryError } from "../../workers/mail/errors.ts";
import { sendMail } from "../../workers/mail/outbox.ts";
import { RETENTION_CRON, retentionCutoffMs } from "../../workers/services/retention.ts";
import { makeStaff, makeUnit, testDb } from "../fixtures/index.ts";

const db = testDb();
const DAY = 24 * 60 * 60 * 1000;

async function batchUploadedAt(unitCode: string, uploaderIdNo: string, uploadedAt: number) {
	const id = `ret${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
	await db.insert(batches).values({
		id,
		unitCode,
		uploaderIdNo,
		uploaderName: "王小明",
		contactName: "王小明",
		contactEmail: "c@example.com.tw",
		fileName: `${unitCode}1150101.csv`,
		fileBytes: 10,
		uploadedAt,
		status: "done",
	});
	await db.insert(batchRows).values({ batchId: id, rowNo: 1, lineNo: 1, maskedId: "A12345****", outcome: "failed", code: "NOT_INSURED", doneAt: uploadedAt });
	return id;
}

describe("retention", () => {
	it("keeps 3 months of upload records: the cutoff is the Taipei day 3 months back", () => {
		// 2026-11-26 12:00 Taipei → cutoff 2026-08-26 00:00 Taipei (= 2026-08-25 16:00 UTC).
		expect(retentionCutoffMs(Date.UTC(2026, 10, 26, 4))).toBe(Date.UTC(2026, 7, 25, 16));
	});

	it("the daily Cron Trigger removes uploads older than 3 months with their rows and keeps recent ones", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const now = Date.now();
		const old = await batchUploadedAt(unit.code, clerk.idNo, now - 100 * DAY);
		const recent = await batchUploadedAt(unit.code, clerk.idNo, now - 10 * DAY);

		const ctx = createExecutionContext();
		await worker.scheduled(createScheduledController({ cron: "0 19 * * *", scheduledTime: now }), env, ctx);
		await waitOnExecutionContext(ctx);

		expect(await db.select().from(batches).where(eq(batches.id, old)).get()).toBeUndefined();
		expect(await db.select().from(batchRows).where(eq(batchRows.batchId, old)).all()).toHaveLength(0);
		expect(await db.select().from(batches).where(eq(batches.id, recent)).get()).toBeDefined();
		expect(await db.select().from(batchRows).where(eq(batchRows.batchId, recent)).all()).toHaveLength(1);
	});

	it("the 10-minute Cron Trigger sends mail a provider left queued and leaves retention to the daily one", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const now = Date.now();
		const old = await batchUploadedAt(unit.code, clerk.idNo, now - 100 * DAY);
		// A 重寄認證信 mail the provider did not take (a 503): nothing but a Cron Trigger retries it.
		const key = `resend:retention-test-${crypto.randomUUID()}:2`;
		const unavailable = {
			name: "resend" as const,
			async deliver(): Promise<{ providerId: string }> {
				throw new MailDeliveryError("Resend 503", { retryable: true, status: 503 });
			},
		};
		const queued = await sendMail(env, db, { idempotencyKey: key, to: ["registrant@example.com.tw"], subject: "健保卡網路服務-註冊成功", text: "…" }, { transport: unavailable });
		expect(queued.status).toBe("queued");

		const ctx = createExecutionContext();
		await worker.scheduled(createScheduledController({ cron: "*/10 * * * *", scheduledTime: now }), env, ctx);
		await waitOnExecutionContext(ctx);

		expect(await db.select({ status: mailOutbox.status }).from(mailOutbox).where(eq(mailOutbox.idempotencyKey, key)).get()).toEqual({ status: "sent" });
		expect(await db.select().from(batches).where(eq(batches.id, old)).get()).toBeDefined();
		expect(RETENTION_CRON).toBe("0 19 * * *");
	});
});
