// The column layout of an uploaded file, what the log says of rows it changed or left partly out
// (SPEC §2 "Columns"), and one e-mail rule for the contact's and the registrants' addresses.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { batchRows, batches, mailOutbox, registrations } from "../../schema/d1.ts";
import { batchLogFile } from "../../workers/services/batch-results.ts";
import { batchFileName, enroll, freshIdNo, makeStaff, makeUnit, runBatchToEnd, signIn, testDb, uploadFile } from "../fixtures/index.ts";

const db = testDb();

async function clerkWithRoster(insured: number) {
	const unit = await makeUnit(db);
	const clerk = await makeStaff(db, unit.code, "clerk");
	const session = await signIn(db, clerk.idNo);
	const members = Array.from({ length: insured }, () => freshIdNo());
	await enroll(db, unit.code, members);
	return { unit, clerk, session, members };
}

async function logText(batchId: string) {
	const file = await batchLogFile(db, batchId);
	return new TextDecoder().decode(file?.bytes);
}

function textOf(html: string): string {
	return html.replace(/<[^>]+>/g, "");
}

describe("a header row in another layout", () => {
	it("refuses the four columns in another order as FILE_COLUMNS, saying which column is where, instead of failing row 1", async () => {
		const { unit, session, members } = await clerkWithRoster(1);
		const text = `電子郵件,身分證號,行動電話,聯絡電話\r\na@example.com.tw,${members[0]},0912345678,\r\n`;
		const { res } = await uploadFile(session, unit.code, batchFileName(unit.code), text);
		expect(res.status).toBe(422);
		const html = await res.text();
		expect(html).toContain('data-reason="FILE_COLUMNS"');
		expect(textOf(html)).toContain("「電子郵件」在A欄(應在B欄)、「身分證號」在B欄(應在A欄)");
		const [batch] = await db.select().from(batches).where(eq(batches.unitCode, unit.code)).all();
		expect(batch).toMatchObject({ status: "failed", failureCode: "FILE_COLUMNS", totalRows: 0 });
		expect(batch?.failureMessage).toContain("「身分證號」在B欄(應在A欄)");
		expect(await db.select().from(registrations).where(eq(registrations.unitCode, unit.code)).all()).toHaveLength(0);
	});

	it("refuses an extra 姓名 column before the four as FILE_COLUMNS", async () => {
		const { unit, session, members } = await clerkWithRoster(1);
		const text = `姓名,身分證號,電子郵件,行動電話,聯絡電話\r\n王小明,${members[0]},a@example.com.tw,0912345678,\r\n`;
		const { res } = await uploadFile(session, unit.code, batchFileName(unit.code), text);
		expect(res.status).toBe(422);
		expect(textOf(await res.text())).toContain("A欄「姓名」不是檔案欄位");
	});

	it.each([
		["the seed's 連絡電話 with its note and the column-E reminder", "身分證號,電子郵件,行動電話,連絡電話(區碼以-隔開,分機以#隔開),<第一列請勿上傳"],
		["English aliases", "ID,E-mail,Mobile,Phone"],
	])("skips a header spelled with %s and counts only the data rows", async (_, header) => {
		const { unit, session, members } = await clerkWithRoster(2);
		const text = `${header}\r\n${members[0]},a@example.com.tw,0912345678,02-12345678\r\n${members[1]},b@example.com.tw,0912345678,\r\n`;
		const { res, batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), text);
		expect(res.status).toBe(303);
		const batch = await runBatchToEnd(batchId ?? "");
		expect(batch).toMatchObject({ status: "done", headerSkipped: true, totalRows: 2, successCount: 2, failureCount: 0 });
	});
});

describe("what the log says of a row the import changed or left partly out", () => {
	it("registers a row with filled cells beyond column D and notes in the log that they were not imported", async () => {
		const { unit, session, members } = await clerkWithRoster(2);
		const [a, b] = members as [string, string];
		const text = `身分證號,電子郵件,行動電話,聯絡電話,姓名\r\n${a},a@example.com.tw,0912345678,,王小明\r\n${b},b@example.com.tw,0912345678,,\r\n`;
		const { batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), text);
		const batch = await runBatchToEnd(batchId ?? "");
		expect(batch).toMatchObject({ status: "done", successCount: 2 });
		const rows = await db.select().from(batchRows).where(eq(batchRows.batchId, batch.id)).orderBy(batchRows.rowNo).all();
		expect(rows.map((r) => r.notes)).toEqual(['["EXTRA_CELLS"]', null]);
		const log = await logText(batch.id);
		expect(log).toContain(`第1筆資料:${a.slice(0, 6)}****,註冊成功,已寄送認證信(E欄以後的資料未入檔)`);
		expect(log).toContain(`第2筆資料:${b.slice(0, 6)}****,註冊成功,已寄送認證信\r\n`);
	});

	it("notes the full-width characters it repaired in a row, as it notes a repaired mobile", async () => {
		const { unit, session, members } = await clerkWithRoster(2);
		const [a, b] = members as [string, string];
		const fullWidth = (s: string) => [...s].map((ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)).join("");
		const text = `${fullWidth(a)},ａ@example.com.tw,０９１２３４５６７８,\r\n${b},b@example.com.tw,912345678,\r\n`;
		const { batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), text);
		const batch = await runBatchToEnd(batchId ?? "");
		expect(batch).toMatchObject({ status: "done", successCount: 2 });
		const log = await logText(batch.id);
		expect(log).toContain(`第1筆資料:${a.slice(0, 6)}****,註冊成功,已寄送認證信(全形字元已轉為半形)`);
		expect(log).toContain(`第2筆資料:${b.slice(0, 6)}****,註冊成功,已寄送認證信(行動電話補回開頭0)`);
		expect((await db.select().from(registrations).where(eq(registrations.idNo, a)).get())?.email).toBe("a@example.com.tw");
	});
});

describe("one e-mail rule", () => {
	it("mails the contact at the address as typed with only its domain lower-cased, like a registrant's", async () => {
		const { unit, session, members } = await clerkWithRoster(1);
		const [a] = members as [string];
		const { batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), `${a},Wang.Ming@Example.COM.TW,0912345678,\r\n`, {
			name: "王承辦",
			email: "Wang.Clerk@Unit.Example.TW",
		});
		const batch = await runBatchToEnd(batchId ?? "");
		expect(batch.contactEmail).toBe("Wang.Clerk@unit.example.tw");
		const mail = await db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, `batch-result:${batch.id}`)).get();
		expect(JSON.parse(mail?.to ?? "[]")).toContain("Wang.Clerk@unit.example.tw");
		expect((await db.select().from(registrations).where(eq(registrations.idNo, a)).get())?.email).toBe("Wang.Ming@example.com.tw");
	});
});
