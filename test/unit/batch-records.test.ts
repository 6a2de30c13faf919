import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { batches, type BatchStatus, type StaffRole } from "../../schema/d1.ts";
import { addMonths, taipeiDayEndMs, taipeiDayStartMs, taipeiToday, type CalendarDate } from "../../workers/domain/roc-date.ts";
import { randomToken } from "../../workers/lib/crypto.ts";
import {
	getVisibleBatch,
	listBatches,
	PAGE_SIZE,
	parseRecordsQuery,
	type RawRecordsQuery,
	type RecordsQuery,
} from "../../workers/services/batch-records.ts";
import { batchLogFile, RESULT_ROWS_PAGE, resultCsvFile } from "../../workers/services/batch-results.ts";
import type { SignedInPerson } from "../../workers/domain/signed-in-person.ts";
import { freshIdNo, makeUnit, testDb } from "../fixtures/index.ts";

const db = testDb();

/** Epoch ms of a wall-clock time in Taipei (UTC+8). */
function taipei(y: number, mo: number, d: number, h = 12, mi = 0, s = 0): number {
	return Date.UTC(y, mo - 1, d, h - 8, mi, s);
}

/** 民國105年7月13日 10:00 in Taipei, the seed's day. */
const SEED_NOW = taipei(2016, 7, 13, 10);
const ONE_UNIT = [{ code: "133397421" }];

function person(idNo: string, units: { code: string; role: StaffRole }[]): SignedInPerson {
	return {
		idNo,
		name: "王小明",
		email: null,
		method: "demo",
		actingBan: null,
		csrfToken: "t",
		tokenHash: "h",
		units: units.map((u) => ({ ...u, name: "測試單位" })),
	};
}

async function insertBatch(over: Partial<typeof batches.$inferInsert> & { unitCode: string; uploaderIdNo: string }) {
	const row = {
		id: randomToken(16),
		uploaderName: "王承辦",
		contactName: "王聯絡",
		contactEmail: "contact@unit.example.tw",
		fileName: `${over.unitCode}1050713.csv`,
		fileBytes: 100,
		uploadedAt: Date.now(),
		status: "done" as BatchStatus,
		...over,
	};
	await db.insert(batches).values(row);
	return row;
}

type RowSpec = { maskedId: string; outcome: "registered" | "resent" | "failed"; code: string; notes?: string[]; doneAt: number };

/** batch_rows in bulk, as the pipeline writes them: one JSON parameter per statement. */
async function insertRows(batchId: string, rows: RowSpec[], firstRowNo = 1) {
	const STATEMENT_ROWS = 20_000;
	for (let start = 0; start < rows.length; start += STATEMENT_ROWS) {
		const tuples = rows
			.slice(start, start + STATEMENT_ROWS)
			.map((r, i) => [firstRowNo + start + i, firstRowNo + start + i + 1, r.maskedId, r.outcome, r.code, r.notes ? JSON.stringify(r.notes) : null, r.doneAt]);
		await env.DB.prepare(
			`INSERT INTO batch_rows (batch_id, row_no, line_no, masked_id, outcome, code, notes, done_at)
			SELECT ?1, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6
			FROM json_each(?2) j`,
		)
			.bind(batchId, JSON.stringify(tuples))
			.run();
	}
}

const decode = (bytes: Uint8Array) => new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);

describe("the records filters (parseRecordsQuery)", () => {
	it("defaults to the last month up to today, 全部, and the person's only unit — the seed's 1050613 ~ 1050713", () => {
		const r = parseRecordsQuery({}, ONE_UNIT, SEED_NOW);
		expect(r).toMatchObject({
			ok: true,
			form: { unitCode: "133397421", from: "1050613", to: "1050713", status: "all", page: 1 },
			query: { unitCode: "133397421", from: { year: 2016, month: 6, day: 13 }, to: { year: 2016, month: 7, day: 13 }, status: "all", page: 1 },
		});
	});

	it("searches every unit of a person with several when none is chosen", () => {
		const r = parseRecordsQuery({ unitCode: "" }, [{ code: "111111111" }, { code: "222222222" }], SEED_NOW);
		expect(r.ok && r.query.unitCode).toBe(undefined);
	});

	it("uses today in Taipei, not UTC: 00:30 on 7/14 in Taipei is already 1050714", () => {
		const r = parseRecordsQuery({}, ONE_UNIT, taipei(2016, 7, 14, 0, 30));
		expect(r.form.to).toBe("1050714");
	});

	it("takes a blank date as its default and reads full-width digits typed with an IME", () => {
		const r = parseRecordsQuery({ from: " １０５０７０１ ", to: "" }, ONE_UNIT, SEED_NOW);
		expect(r).toMatchObject({ ok: true, form: { from: "1050701", to: "1050713" } });
	});

	it("allows 上傳日期 back to exactly 3 months ago (近3個月) and not a day more", () => {
		expect(parseRecordsQuery({ from: "1050413" }, ONE_UNIT, SEED_NOW).ok).toBe(true);
		const r = parseRecordsQuery({ from: "1050412" }, ONE_UNIT, SEED_NOW);
		expect(r).toMatchObject({ ok: false, message: "上傳日期起日不可早於近3個月(1050413)。" });
	});

	it.each<[string, RawRecordsQuery, string]>([
		["a 6-digit date", { from: "105091" }, "上傳日期起日格式錯誤，請輸入民國年月日7碼，如1050901。"],
		["a Gregorian date", { from: "2016-07-01" }, "上傳日期起日格式錯誤，請輸入民國年月日7碼，如1050901。"],
		["a day that does not exist", { to: "1050231" }, "上傳日期迄日格式錯誤，請輸入民國年月日7碼，如1050901。"],
		["letters", { to: "abcdefg" }, "上傳日期迄日格式錯誤，請輸入民國年月日7碼，如1050901。"],
		["an end after today", { to: "1050714" }, "上傳日期迄日不可晚於今天。"],
		["a start after the end", { from: "1050710", to: "1050701" }, "上傳日期起日不可晚於迄日。"],
		["a unit the person does not act for", { unitCode: "999999999" }, "投保單位代號錯誤，請由選單選擇。"],
	])("refuses %s with a zh-TW message and keeps what was typed", (_, raw, message) => {
		const r = parseRecordsQuery(raw, ONE_UNIT, SEED_NOW);
		expect(r).toMatchObject({ ok: false, message });
		if (raw.from) expect(r.form.from).toBe(raw.from);
		if (raw.to) expect(r.form.to).toBe(raw.to);
	});

	it("reads a missing or silly page number as page 1", () => {
		expect(parseRecordsQuery({ page: "3" }, ONE_UNIT, SEED_NOW).form.page).toBe(3);
		expect(parseRecordsQuery({ page: "0" }, ONE_UNIT, SEED_NOW).form.page).toBe(1);
		expect(parseRecordsQuery({ page: "x" }, ONE_UNIT, SEED_NOW).form.page).toBe(1);
	});
});

describe("who sees which upload (visibleBatchFilter through listBatches and getVisibleBatch)", () => {
	async function twoUnits() {
		const a = await makeUnit(db);
		const b = await makeUnit(db);
		const clerk = freshIdNo();
		const otherClerk = freshIdNo();
		const mine = await insertBatch({ unitCode: a.code, uploaderIdNo: clerk });
		const theirs = await insertBatch({ unitCode: a.code, uploaderIdNo: otherClerk });
		const otherUnit = await insertBatch({ unitCode: b.code, uploaderIdNo: clerk });
		return { a, b, clerk, otherClerk, mine, theirs, otherUnit };
	}

	const everything = (now: number): RecordsQuery => {
		const today = taipeiToday(now);
		return { from: addMonths(today, -3), to: today, status: "all", page: 1 };
	};

	async function visibleIds(p: SignedInPerson) {
		const now = Date.now();
		return (await listBatches(db, p, everything(now), now)).rows.map((r) => r.id).sort();
	}

	it("shows a clerk only their own uploads of the units they act for now", async () => {
		const t = await twoUnits();
		// The clerk's upload in unit B stays hidden: they no longer act for B.
		expect(await visibleIds(person(t.clerk, [{ code: t.a.code, role: "clerk" }]))).toEqual([t.mine.id]);
		await expect(getVisibleBatch(db, person(t.clerk, [{ code: t.a.code, role: "clerk" }]), t.theirs.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
		await expect(getVisibleBatch(db, person(t.clerk, [{ code: t.a.code, role: "clerk" }]), t.otherUnit.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
	});

	it("shows a unit manager every upload of that unit and none of another's", async () => {
		const t = await twoUnits();
		const manager = person(freshIdNo(), [{ code: t.a.code, role: "manager" }]);
		expect(await visibleIds(manager)).toEqual([t.mine.id, t.theirs.id].sort());
		expect((await getVisibleBatch(db, manager, t.theirs.id)).id).toBe(t.theirs.id);
		await expect(getVisibleBatch(db, manager, t.otherUnit.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
	});

	it("mixes roles per unit: manager of A and clerk of B sees all of A and only their own of B", async () => {
		const t = await twoUnits();
		const someoneElsesInB = await insertBatch({ unitCode: t.b.code, uploaderIdNo: t.otherClerk });
		const p = person(t.clerk, [
			{ code: t.a.code, role: "manager" },
			{ code: t.b.code, role: "clerk" },
		]);
		const ids = await visibleIds(p);
		expect(ids).toEqual([t.mine.id, t.theirs.id, t.otherUnit.id].sort());
		expect(ids).not.toContain(someoneElsesInB.id);
	});

	it("shows nothing to a person with no units, and answers an unknown id like a hidden one", async () => {
		const t = await twoUnits();
		expect(await visibleIds(person(t.clerk, []))).toEqual([]);
		await expect(getVisibleBatch(db, person(t.clerk, []), t.mine.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
		await expect(getVisibleBatch(db, person(t.clerk, [{ code: t.a.code, role: "clerk" }]), "no-such-batch-id")).rejects.toMatchObject({
			code: "NOT_FOUND",
		});
	});
});

describe("listBatches", () => {
	const now = Date.now();
	const today = taipeiToday(now);
	const daysAgo = (n: number): CalendarDate => taipeiToday(taipeiDayStartMs(today) - n * 86_400_000);

	it("filters 處理狀態: 已上傳,等待入檔, 入檔中, 入檔完畢 and 入檔失敗 each alone; 全部 all of them", async () => {
		const unit = await makeUnit(db);
		const manager = person(freshIdNo(), [{ code: unit.code, role: "manager" }]);
		const made: Record<string, string> = {};
		for (const status of ["queued", "importing", "done", "failed"] as const) {
			made[status] = (await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), status })).id;
		}
		const statuses = async (status: RecordsQuery["status"]) =>
			(await listBatches(db, manager, { from: today, to: today, status, page: 1 }, now)).rows.map((r) => r.status).sort();
		expect(await statuses("queued")).toEqual(["queued"]);
		expect(await statuses("importing")).toEqual(["importing"]);
		expect(await statuses("done")).toEqual(["done"]);
		expect(await statuses("failed")).toEqual(["failed"]);
		expect(await statuses("all")).toEqual(["done", "failed", "importing", "queued"]);
	});

	it("takes 上傳日期 as whole Taipei days, both ends included", async () => {
		const unit = await makeUnit(db);
		const manager = person(freshIdNo(), [{ code: unit.code, role: "manager" }]);
		const day = daysAgo(10);
		const before = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), uploadedAt: taipeiDayStartMs(day) - 1 });
		const first = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), uploadedAt: taipeiDayStartMs(day) });
		const last = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), uploadedAt: taipeiDayEndMs(day) });
		const after = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), uploadedAt: taipeiDayEndMs(day) + 1 });
		const ids = (await listBatches(db, manager, { from: day, to: day, status: "all", page: 1 }, now)).rows.map((r) => r.id);
		expect(ids).toEqual([last.id, first.id]);
		expect(ids).not.toContain(before.id);
		expect(ids).not.toContain(after.id);
	});

	it("pages 10 at a time, newest first, and shows the last page for a page past the end", async () => {
		const unit = await makeUnit(db);
		const clerk = freshIdNo();
		const p = person(clerk, [{ code: unit.code, role: "clerk" }]);
		const made = [];
		for (let i = 0; i < 23; i++) made.push(await insertBatch({ unitCode: unit.code, uploaderIdNo: clerk, uploadedAt: now - i * 60_000 }));
		const q = { from: daysAgo(1), to: today, status: "all" as const };
		const one = await listBatches(db, p, { ...q, page: 1 }, now);
		expect(one).toMatchObject({ total: 23, page: 1, pages: 3 });
		expect(one.rows.map((r) => r.id)).toEqual(made.slice(0, PAGE_SIZE).map((b) => b.id));
		const three = await listBatches(db, p, { ...q, page: 99 }, now);
		expect(three).toMatchObject({ total: 23, page: 3, pages: 3 });
		expect(three.rows.map((r) => r.id)).toEqual(made.slice(20).map((b) => b.id));
	});

	it("filters by unit, and never returns the uploader's ID or the contact e-mail", async () => {
		const a = await makeUnit(db);
		const b = await makeUnit(db);
		const manager = person(freshIdNo(), [
			{ code: a.code, role: "manager" },
			{ code: b.code, role: "manager" },
		]);
		const inA = await insertBatch({ unitCode: a.code, uploaderIdNo: freshIdNo() });
		await insertBatch({ unitCode: b.code, uploaderIdNo: freshIdNo() });
		const r = await listBatches(db, manager, { unitCode: a.code, from: today, to: today, status: "all", page: 1 }, now);
		expect(r.rows.map((x) => x.id)).toEqual([inA.id]);
		expect(Object.keys(r.rows[0] ?? {})).not.toContain("uploaderIdNo");
		expect(Object.keys(r.rows[0] ?? {})).not.toContain("contactEmail");
	});
});

describe("the result files (batchLogFile, resultCsvFile)", () => {
	const AT = taipei(2016, 7, 13, 11, 56, 45);

	it("reproduces the seed's Notepad log, UTF-8 with BOM, named 1333974211050713.1050713104533.log", async () => {
		const unit = await makeUnit(db);
		const batch = await insertBatch({
			unitCode: unit.code,
			uploaderIdNo: freshIdNo(),
			fileName: "1333974211050713.csv",
			uploadedAt: taipei(2016, 7, 13, 10, 45, 33),
			startedAt: AT,
			finishedAt: AT,
			totalRows: 4,
			failureCount: 4,
		});
		await insertRows(
			batch.id,
			["A23084****", "A23057****", "C22028****", "P12123****"].map((maskedId) => ({ maskedId, outcome: "failed", code: "NOT_INSURED", doneAt: AT })),
		);
		const file = await batchLogFile(db, batch.id);
		expect(file?.fileName).toBe("1333974211050713.1050713104533.log");
		expect([...(file?.bytes.slice(0, 3) ?? [])]).toEqual([0xef, 0xbb, 0xbf]);
		expect(decode(file?.bytes ?? new Uint8Array())).toBe(
			"\uFEFF" +
				[
					"2016/7/13 上午 11:56:45 開始執行...",
					"2016/7/13 上午 11:56:45 第1筆資料:A23084****(非該單位在保險對象)不入檔!",
					"2016/7/13 上午 11:56:45 第2筆資料:A23057****(非該單位在保險對象)不入檔!",
					"2016/7/13 上午 11:56:45 第3筆資料:C22028****(非該單位在保險對象)不入檔!",
					"2016/7/13 上午 11:56:45 第4筆資料:P12123****(非該單位在保險對象)不入檔!",
					"2016/7/13 上午 11:56:45 結束執行...",
					"2016/7/13 上午 11:56:45 ----總共上傳4筆,成功註冊0筆,失敗4筆----",
				]
					.map((l) => `${l}\r\n`)
					.join(""),
		);
	});

	it("logs a file refused as a whole: 開始執行..., the reason, 結束執行... and totals of 0", async () => {
		const unit = await makeUnit(db);
		const batch = await insertBatch({
			unitCode: unit.code,
			uploaderIdNo: freshIdNo(),
			fileName: "1333974211050713.csv",
			uploadedAt: AT,
			finishedAt: AT + 1000,
			status: "failed",
			failureCode: "FILE_COLUMNS",
			failureMessage: "檔案欄位錯誤：欄位依序須為身分證號、電子郵件、行動電話、聯絡電話。",
		});
		const file = await batchLogFile(db, batch.id);
		expect(decode(file?.bytes ?? new Uint8Array()).split("\r\n")).toEqual([
			"\uFEFF2016/7/13 上午 11:56:45 開始執行...",
			"2016/7/13 上午 11:56:46 入檔失敗:檔案欄位錯誤：欄位依序須為身分證號、電子郵件、行動電話、聯絡電話。",
			"2016/7/13 上午 11:56:46 結束執行...",
			"2016/7/13 上午 11:56:46 ----總共上傳0筆,成功註冊0筆,失敗0筆----",
			"",
		]);
	});

	it("has no files for a batch still 已上傳,等待入檔, nor for an unknown id", async () => {
		const unit = await makeUnit(db);
		const queued = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), status: "queued" });
		expect(await batchLogFile(db, queued.id)).toBeNull();
		expect(await resultCsvFile(db, queued.id)).toBeNull();
		expect(await batchLogFile(db, "no-such-batch-id")).toBeNull();
	});

	it("renders the log the clerk's mail attaches while the row still says 入檔中, totals counted from the rows", async () => {
		const unit = await makeUnit(db);
		const batch = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), status: "importing", uploadedAt: AT, startedAt: AT });
		await insertRows(batch.id, [
			{ maskedId: "A12345****", outcome: "registered", code: "REGISTERED", notes: ["MOBILE_REPAIRED"], doneAt: AT + 2000 },
			{ maskedId: "A23084****", outcome: "failed", code: "NOT_INSURED", doneAt: AT + 2000 },
		]);
		const text = decode((await batchLogFile(db, batch.id))?.bytes ?? new Uint8Array());
		expect(text).toContain("第1筆資料:A12345****,註冊成功,已寄送認證信(行動電話補回開頭0)\r\n");
		expect(text).toContain("2016/7/13 上午 11:56:47 結束執行...\r\n");
		expect(text).toContain("----總共上傳2筆,成功註冊1筆,失敗1筆----\r\n");
	});

	it("writes the result CSV with BOM and header, and makes formula-looking cells inert", async () => {
		const unit = await makeUnit(db);
		const batch = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), fileName: "1333974211050713.csv", uploadedAt: AT });
		await insertRows(batch.id, [
			{ maskedId: '=HYPERLINK("http://evil.example","x")', outcome: "failed", code: "ID_INVALID", doneAt: AT },
			{ maskedId: "A23084****", outcome: "failed", code: "=cmd|' /C calc'!A0", doneAt: AT },
		]);
		const file = await resultCsvFile(db, batch.id);
		expect(file?.fileName).toBe("1333974211050713.result.csv");
		const text = decode(file?.bytes ?? new Uint8Array());
		const lines = text.split("\r\n");
		expect(lines[0]).toBe("\uFEFF列號,資料序號,身分證號(遮罩),結果,代碼,說明,處理方式");
		expect(lines[1]).toMatch(/^2,1,"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)",失敗,ID_INVALID,/);
		expect(lines[2]).toMatch(/^3,2,A23084\*\*\*\*,失敗,'=cmd\|' \/C calc'!A0,/);
		expect(text).not.toMatch(/(^|,)[=+@-]/m);
	});

	it(`reads a 100,000-row batch in row order across ${RESULT_ROWS_PAGE}-row pages`, async () => {
		const unit = await makeUnit(db);
		const batch = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), status: "done", uploadedAt: AT, startedAt: AT, finishedAt: AT });
		const n = 100_000;
		// Inserted out of order, so only ORDER BY row_no can put them right.
		await insertRows(batch.id, Array.from({ length: n / 2 }, () => ({ maskedId: "B12345****", outcome: "failed" as const, code: "NOT_INSURED", doneAt: AT })), n / 2 + 1);
		await insertRows(batch.id, Array.from({ length: n / 2 }, () => ({ maskedId: "A12345****", outcome: "registered" as const, code: "REGISTERED", doneAt: AT })), 1);
		// No wall-clock bound here: on a loaded CI machine it failed by noise alone (20.05 s); the test's
		// own time-out still bounds it, and speed is measured by npm run bench on a quiet machine.
		const log = decode((await batchLogFile(db, batch.id))?.bytes ?? new Uint8Array()).split("\r\n");
		const csv = decode((await resultCsvFile(db, batch.id))?.bytes ?? new Uint8Array()).split("\r\n");
		expect(log).toHaveLength(n + 4); // 開始執行, n rows, 結束執行, totals, and the empty piece after the last CRLF
		expect(log[1]).toMatch(/第1筆資料:A12345\*\*\*\*,/);
		expect(log[RESULT_ROWS_PAGE]).toMatch(new RegExp(`第${RESULT_ROWS_PAGE}筆資料:A12345`));
		expect(log[RESULT_ROWS_PAGE + 1]).toMatch(new RegExp(`第${RESULT_ROWS_PAGE + 1}筆資料:A12345`));
		expect(log[n / 2 + 1]).toMatch(new RegExp(`第${n / 2 + 1}筆資料:B12345`));
		expect(log[n]).toMatch(new RegExp(`第${n}筆資料:B12345`));
		expect(log[n + 2]).toMatch(/----總共上傳100000筆,成功註冊50000筆,失敗50000筆----$/);
		expect(csv).toHaveLength(n + 2);
		expect(csv[n]).toMatch(new RegExp(`^${n + 1},${n},B12345`));
	});
});

