// A batch that ends in 入檔失敗 (SPEC §3–4): whole-file faults seen cheaply at upload time answer on the
// form at once, and a batch that fails after it was accepted still mails its clerk — once, whatever
// restarts happen on the way.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { batches, batchRows, mailOutbox, registrations } from "../../schema/d1.ts";
import type { BatchUpload } from "../../durable/batch-upload.ts";
import { FILE_REASONS } from "../../workers/domain/reasons.ts";
import { parseAttachmentRefs } from "../../workers/mail/attachment-refs.ts";
import { findAttachment } from "../../workers/services/batch-attachments.ts";
import { batchFileName, enroll, freshIdNo, makeStaff, makeUnit, runBatchToEnd, signIn, testDb, uploadFile } from "../fixtures/index.ts";

const db = testDb();

async function clerkWithRoster(insured = 1) {
	const unit = await makeUnit(db);
	const clerk = await makeStaff(db, unit.code, "clerk");
	const session = await signIn(db, clerk.idNo);
	const members = Array.from({ length: insured }, () => freshIdNo());
	await enroll(db, unit.code, members);
	return { unit, clerk, session, members };
}

function resultMails(batchId: string) {
	return db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, `batch-result:${batchId}`)).all();
}

/**
 * A batch the portal accepted and handed to its object (as uploadBatch does), whose file turns out to
 * fail as a whole only when the object parses it — e.g. a file accepted before a rule moved to the
 * upload form.
 */
async function acceptedBatch(text: string) {
	const { unit, clerk } = await clerkWithRoster(0);
	const batchId = `accepted-${crypto.randomUUID()}`;
	const uploadedAt = Date.now();
	await db.insert(batches).values({
		id: batchId,
		unitCode: unit.code,
		uploaderIdNo: clerk.idNo,
		uploaderName: clerk.name,
		contactName: "王承辦",
		contactEmail: "contact@unit.example.tw",
		fileName: batchFileName(unit.code),
		fileBytes: text.length,
		uploadedAt,
		status: "queued",
		encoding: "utf-8",
	});
	const stub = env.BATCH_UPLOAD.getByName(batchId);
	await stub.start({ batchId, unitCode: unit.code, fileName: batchFileName(unit.code), uploadedAt, text });
	return { unit, clerk, batchId, stub };
}

describe("whole-file faults answer on the upload form at once", () => {
	it.each([
		["a header-only file", "身分證號,電子郵件,行動電話,聯絡電話\r\n", "FILE_NO_ROWS"],
		["a header and Excel's empty ,,,, lines", "身分證號,電子郵件,行動電話,聯絡電話\r\n,,,,\r\n,,,,\r\n", "FILE_NO_ROWS"],
		["a file of only ,,,, lines", ",,,,\r\n,,,,\r\n,,,\r\n", "FILE_EMPTY"],
	] as const)("refuses %s with 422 and its reason, storing only the rejection record", async (_, text, code) => {
		const { unit, session } = await clerkWithRoster(0);
		const { res, batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), text);
		expect(res.status).toBe(422);
		expect(batchId).toBeNull();
		const html = await res.text();
		expect(html).toContain(`data-reason="${code}"`);
		expect(html).toContain(FILE_REASONS[code].fix);
		const stored = await db.select().from(batches).where(eq(batches.unitCode, unit.code)).all();
		expect(stored).toHaveLength(1);
		expect(stored[0]).toMatchObject({ status: "failed", failureCode: code, totalRows: 0 });
	});

	it("refuses a file of 100,001 data rows with 422 before anything is registered", async () => {
		const { unit, session, members } = await clerkWithRoster(1);
		const line = `${members[0]},a@example.com.tw,0912345678,\n`;
		const { res } = await uploadFile(session, unit.code, batchFileName(unit.code), `身分證號,電子郵件,行動電話,聯絡電話\n${line.repeat(100_001)}`);
		expect(res.status).toBe(422);
		expect(await res.text()).toContain('data-reason="FILE_TOO_MANY_ROWS"');
		const stored = await db.select().from(batches).where(eq(batches.unitCode, unit.code)).all();
		expect(stored).toMatchObject([{ status: "failed", failureCode: "FILE_TOO_MANY_ROWS" }]);
		expect(await db.select().from(registrations).where(eq(registrations.unitCode, unit.code)).all()).toHaveLength(0);
	});

	it("accepts exactly 100,000 data rows under a header, with Excel's empty lines after them", async () => {
		const { unit, session } = await clerkWithRoster(0);
		const line = "A123456789,a@example.com.tw,0912345678,\r\n";
		const text = `身分證號,電子郵件,行動電話,聯絡電話\r\n${line.repeat(100_000)}${",,,,\r\n".repeat(20)}`;
		const { res } = await uploadFile(session, unit.code, batchFileName(unit.code), text);
		expect(res.status).toBe(303);
	});
});

describe("a batch that fails after it was accepted", () => {
	it("mails the clerk 入檔失敗 with the reason, how to fix it and the log attached", async () => {
		const { clerk, batchId } = await acceptedBatch("身分證號,電子郵件,行動電話,聯絡電話\r\n,,,,\r\n");
		const batch = await runBatchToEnd(batchId);
		expect(batch).toMatchObject({ status: "failed", failureCode: "FILE_NO_ROWS" });

		const mails = await resultMails(batchId);
		expect(mails).toHaveLength(1);
		const mail = mails[0];
		expect(JSON.parse(mail?.to ?? "[]")).toEqual([clerk.email, "contact@unit.example.tw"]);
		expect(mail?.subject).toContain("入檔失敗");
		expect(mail?.text).toContain("入檔失敗");
		expect(mail?.text).toContain(FILE_REASONS.FILE_NO_ROWS.message);
		expect(mail?.text).toContain(FILE_REASONS.FILE_NO_ROWS.fix);

		const refs = parseAttachmentRefs(mail?.attachments ?? "[]");
		expect(refs).toEqual([{ kind: "batch-log", batchId }]);
		const log = await findAttachment(db, refs[0] ?? { kind: "batch-log", batchId });
		const text = new TextDecoder().decode(log?.content);
		expect(text).toContain(`入檔失敗:${FILE_REASONS.FILE_NO_ROWS.message}`);
		expect(text).toContain("----總共上傳0筆,成功註冊0筆,失敗0筆----");
	});

	it("mails the clerk when the pipeline gives up after repeated errors, and says to upload again", async () => {
		const { unit, session, members } = await clerkWithRoster(1);
		const { batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), `${members[0]},a@example.com.tw,0912345678,\n`);
		const stub = env.BATCH_UPLOAD.getByName(batchId ?? "");
		// The runtime's sixth retry of an alarm that kept throwing (AlarmInvocationInfo.retryCount).
		await runInDurableObject(stub, (instance: BatchUpload) => instance.alarm({ retryCount: 6, isRetry: true, scheduledTime: Date.now() }));
		const batch = await runBatchToEnd(batchId ?? "");
		expect(batch).toMatchObject({ status: "failed", failureCode: "INTERNAL" });
		const [mail] = await resultMails(batch.id);
		expect(mail?.text).toContain("入檔失敗");
		expect(mail?.text).toContain("系統處理失敗");
		expect(mail?.text).toContain("重新上傳");
	});

	it("sends the failure mail once across restarts and replays of its step", async () => {
		const { batchId, stub } = await acceptedBatch(",,,,\r\n");
		// parse fails the batch; the object is evicted before the mail goes out, then resumes on its alarm.
		await runDurableObjectAlarm(stub);
		expect((await db.select().from(batches).where(eq(batches.id, batchId)).get())?.status).toBe("failed");
		await evictDurableObject(stub);
		const first = await runBatchToEnd(batchId);
		expect(await resultMails(batchId)).toHaveLength(1);

		// The worst crash: the mail went out but the object lost its progress. The replay sends nothing new.
		await runInDurableObject(stub, async (instance: BatchUpload, state) => {
			state.storage.sql.exec("UPDATE state SET step = 'notify'");
			for (let i = 0; i < 5 && (await instance.progress())?.step !== "failed"; i++) await instance.alarm();
		});
		expect((await stub.progress())?.step).toBe("failed");
		expect(await resultMails(batchId)).toHaveLength(1);
		const after = await db.select().from(batches).where(eq(batches.id, batchId)).get();
		expect(after).toEqual(first);
		expect(await db.select().from(batchRows).where(eq(batchRows.batchId, batchId)).all()).toHaveLength(0);
	});
});
