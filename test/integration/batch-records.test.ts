import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, batches, unitStaff, type BatchStatus } from "../../schema/d1.ts";
import { addMonths, formatRocDate, taipeiDayStartMs, taipeiToday } from "../../workers/domain/roc-date.ts";
import { randomToken } from "../../workers/lib/crypto.ts";
import { freshIdNo, makePerson, makeStaff, makeUnit, request, signIn, testDb, type TestSession } from "../fixtures/index.ts";

const db = testDb();
const DAY_MS = 86_400_000;

/** Epoch ms of a wall-clock time in Taipei (UTC+8). */
function taipei(y: number, mo: number, d: number, h = 12, mi = 0, s = 0): number {
	return Date.UTC(y, mo - 1, d, h - 8, mi, s);
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

async function insertRows(batchId: string, rows: { maskedId: string; outcome: "registered" | "failed"; code: string; doneAt: number }[]) {
	const tuples = rows.map((r, i) => [i + 1, i + 2, r.maskedId, r.outcome, r.code, null, r.doneAt]);
	await env.DB.prepare(
		`INSERT INTO batch_rows (batch_id, row_no, line_no, masked_id, outcome, code, notes, done_at)
		SELECT ?1, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6
		FROM json_each(?2) j`,
	)
		.bind(batchId, JSON.stringify(tuples))
		.run();
}

const unescapeHtml = (s: string) => s.replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#39;", "'");

/** The batch ids the records table lists, in order. */
function listedIds(html: string): string[] {
	return [...html.matchAll(/<tr data-batch-id="([^"]+)"/g)].map((m) => m[1] ?? "");
}

function summary(html: string): string | undefined {
	return /【共\d+筆資料】【\d+\/\d+頁】/.exec(html)?.[0];
}

describe("the records page (健保卡註冊申請上傳紀錄查詢)", () => {
	it("shows the seed's form: fixed unit for one unit, 上傳日期 defaulting to the last month, the three 處理狀態, 查詢 and 清除", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const res = await request("/batches", { session: await signIn(db, clerk.idNo) });
		expect(res.status).toBe(200);
		const html = await res.text();
		const today = taipeiToday(Date.now());
		expect(html).toContain("◎投保單位代號");
		expect(html).toContain(`<select name="unitCode" id="unitCode"><option value="${unit.code}" selected="">`);
		expect(html).toContain(`value="${formatRocDate(addMonths(today, -1))}"`);
		expect(html).toContain(`value="${formatRocDate(today)}"`);
		expect(html).toContain("(輸入格式如:民國105年9月1日,請輸入民國1050901)");
		for (const label of ["已上傳,等待入檔", "入檔完畢", "全部"]) expect(html).toContain(label);
		expect(html).toMatch(/<input type="radio" name="status" value="all" checked=""\/>全部/);
		expect(html).toContain('<button type="submit">查詢</button>');
		expect(html).toMatch(/<a class="button" href="\/batches">\s*清除\s*<\/a>/);
		expect(html).toContain("【共0筆資料】【1/1頁】");
	});

	it("offers a select of every unit to a person who acts for several", async () => {
		const a = await makeUnit(db, { name: "甲公司" });
		const b = await makeUnit(db, { name: "乙公司" });
		const manager = await makeStaff(db, a.code, "manager");
		await db.insert(unitStaff).values({ unitCode: b.code, idNo: manager.idNo, role: "clerk", email: "m@unit.example.tw", authorizedAt: Date.now() });
		const html = await (await request("/batches", { session: await signIn(db, manager.idNo) })).text();
		expect(html).toContain('<select name="unitCode" id="unitCode">');
		expect(html).toContain(`<option value="${a.code}">${a.code} 甲公司</option>`);
		expect(html).toContain(`<option value="${b.code}">${b.code} 乙公司</option>`);
	});

	it("lists the default month, a chosen range back to 3 months, and refuses anything older with a message above the form", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const session = await signIn(db, clerk.idNo);
		const now = Date.now();
		const today = taipeiToday(now);
		const todays = await insertBatch({ unitCode: unit.code, uploaderIdNo: clerk.idNo, uploadedAt: now });
		const lastWeek = await insertBatch({ unitCode: unit.code, uploaderIdNo: clerk.idNo, uploadedAt: now - 7 * DAY_MS });
		const twoMonthsAgo = await insertBatch({ unitCode: unit.code, uploaderIdNo: clerk.idNo, uploadedAt: taipeiDayStartMs(addMonths(today, -2)) + 1000 });

		const byDefault = await (await request("/batches", { session })).text();
		expect(listedIds(byDefault)).toEqual([todays.id, lastWeek.id]);
		expect(summary(byDefault)).toBe("【共2筆資料】【1/1頁】");

		const from = formatRocDate(addMonths(today, -3));
		const wide = await (await request(`/batches?from=${from}&to=${formatRocDate(today)}&status=all`, { session })).text();
		expect(listedIds(wide)).toEqual([todays.id, lastWeek.id, twoMonthsAgo.id]);

		const tooOld = formatRocDate(addMonths(today, -4));
		const res = await request(`/batches?from=${tooOld}&to=${formatRocDate(today)}`, { session });
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain(`上傳日期起日不可早於近3個月(${from})。`);
		expect(html.indexOf("query-message")).toBeLessThan(html.indexOf("records-form"));
		expect(html).toContain(`value="${tooOld}"`);
		expect(listedIds(html)).toEqual([]);
		expect(summary(html)).toBeUndefined();
	});

	it("answers a mistyped date with the page and the format hint, not an error page", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const res = await request("/batches?from=105/9/1", { session: await signIn(db, clerk.idNo) });
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain("上傳日期起日格式錯誤，請輸入民國年月日7碼，如1050901。");
		expect(html).toContain('value="105/9/1"');
	});

	it("filters 處理狀態 and shows each status as the table should", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const session = await signIn(db, manager.idNo);
		const now = Date.now();
		const queued = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), status: "queued", uploadedAt: now - 4000 });
		const importing = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), status: "importing", totalRows: 300, rowsDone: 120, uploadedAt: now - 3000 });
		const done = await insertBatch({ unitCode: unit.code, uploaderIdNo: freshIdNo(), status: "done", totalRows: 4, successCount: 1, failureCount: 3, uploadedAt: now - 2000 });
		const failed = await insertBatch({
			unitCode: unit.code,
			uploaderIdNo: freshIdNo(),
			status: "failed",
			failureMessage: "檔案內容空白。",
			uploadedAt: now - 1000,
		});
		const waiting = await (await request("/batches?status=queued", { session })).text();
		expect(listedIds(waiting)).toEqual([queued.id]);
		expect(waiting).toContain("已上傳,等待入檔");
		const running = await (await request("/batches?status=importing", { session })).text();
		expect(listedIds(running)).toEqual([importing.id]);
		expect(running).toContain("入檔中 (120 / 300)");
		expect(listedIds(await (await request("/batches?status=failed", { session })).text())).toEqual([failed.id]);
		expect(listedIds(await (await request("/batches?status=done", { session })).text())).toEqual([done.id]);
		const all = await (await request("/batches?status=all", { session })).text();
		expect(listedIds(all)).toEqual([failed.id, done.id, importing.id, queued.id]);
		expect(all).toContain("檔案內容空白。");
		expect(all).toContain(`href="/batches/${done.id}/log"`);
		expect(all).toContain(`href="/batches/${done.id}/result.csv"`);
		expect(all).not.toContain(`href="/batches/${queued.id}/log"`);
		for (const header of ["上傳檔名", "聯絡人", "上傳時間", "上傳筆數", "成功筆數", "失敗筆數", "處理狀態", "入檔結果", "上傳人員"]) {
			expect(all).toContain(`<th>${header}</th>`);
		}
	});

	it("shows a row as the seed does: file name, contact, 上傳時間 with 上午/下午, counts, 入檔完畢, 入檔記錄, uploader", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk", { name: "林承辦" });
		const now = Date.now();
		const b = await insertBatch({ unitCode: unit.code, uploaderIdNo: clerk.idNo, uploaderName: "林承辦", totalRows: 4, successCount: 0, failureCount: 4, uploadedAt: now });
		const html = await (await request("/batches", { session: await signIn(db, clerk.idNo) })).text();
		const row = html.slice(html.indexOf(`<tr data-batch-id="${b.id}"`));
		expect(row).toMatch(
			new RegExp(
				`<td>${b.fileName}</td><td class="name">王聯絡</td><td>\\d{4}/\\d{1,2}/\\d{1,2} (上午|下午) \\d{1,2}:\\d{2}:\\d{2}</td><td>4</td><td>0</td><td>4</td><td>入檔完畢</td>`,
			),
		);
		expect(row).toMatch(/入檔記錄[\s\S]*<td class="name">林承辦<\/td><\/tr>/);
	});

	it("pages more than 10 uploads: 【共23筆資料】【1/3頁】, with links that keep the filters", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const session = await signIn(db, clerk.idNo);
		const now = Date.now();
		const made = [];
		for (let i = 0; i < 23; i++) made.push(await insertBatch({ unitCode: unit.code, uploaderIdNo: clerk.idNo, uploadedAt: now - i * 60_000 }));
		const today = formatRocDate(taipeiToday(now));
		const from = formatRocDate(addMonths(taipeiToday(now), -2));

		const first = await (await request(`/batches?unitCode=${unit.code}&from=${from}&to=${today}&status=done`, { session })).text();
		expect(summary(first)).toBe("【共23筆資料】【1/3頁】");
		expect(listedIds(first)).toEqual(made.slice(0, 10).map((b) => b.id));
		const next = /<a href="([^"]+)" rel="next">/.exec(first)?.[1];
		expect(next).toBeDefined();
		const nextUrl = new URL(unescapeHtml(next ?? ""), "https://portal.test");
		expect(Object.fromEntries(nextUrl.searchParams)).toEqual({ unitCode: unit.code, from, to: today, status: "done", page: "2" });

		const second = await (await request(`${nextUrl.pathname}${nextUrl.search}`, { session })).text();
		expect(summary(second)).toBe("【共23筆資料】【2/3頁】");
		expect(listedIds(second)).toEqual(made.slice(10, 20).map((b) => b.id));
		expect(second).toContain('rel="prev"');

		const last = await (await request(`/batches?from=${from}&to=${today}&status=done&page=3`, { session })).text();
		expect(summary(last)).toBe("【共23筆資料】【3/3頁】");
		expect(listedIds(last)).toEqual(made.slice(20).map((b) => b.id));
		expect(last).not.toContain('rel="next"');
	});

	it("asks a signed-out visitor to sign in, and refuses a person who acts for no unit", async () => {
		expect((await request("/batches")).status).toBe(401);
		const nobody = await makePerson(db);
		expect((await request("/batches", { session: await signIn(db, nobody.idNo) })).status).toBe(403);
	});

	it("escapes stored text in the table and the log page", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const session = await signIn(db, clerk.idNo);
		const b = await insertBatch({
			unitCode: unit.code,
			uploaderIdNo: clerk.idNo,
			fileName: '<img src=x onerror="alert(1)">.csv',
			contactName: "<script>alert(1)</script>",
			status: "failed",
			failureMessage: '=HYPERLINK("http://evil.example","<b>x</b>")',
		});
		await insertRows(b.id, [{ maskedId: "<script>x</script>", outcome: "failed", code: "NOT_INSURED", doneAt: Date.now() }]);
		const list = await (await request("/batches", { session })).text();
		expect(list).not.toContain("<script>alert(1)</script>");
		expect(list).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
		expect(list).not.toContain("<img src=x");
		expect(list).not.toContain("<b>x</b>");
		const log = await (await request(`/batches/${b.id}/log`, { session })).text();
		expect(log).not.toContain("<script>x</script>");
		expect(log).toContain("&lt;script&gt;x&lt;/script&gt;");
		expect(log).toContain("入檔失敗:=HYPERLINK(&quot;http://evil.example&quot;,&quot;&lt;b&gt;x&lt;/b&gt;&quot;)");
	});
});

describe("the log and the result CSV", () => {
	async function seedBatch() {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const at = taipei(2016, 7, 13, 11, 56, 45);
		const batch = await insertBatch({
			unitCode: unit.code,
			uploaderIdNo: clerk.idNo,
			fileName: "1333974211050713.csv",
			uploadedAt: taipei(2016, 7, 13, 10, 45, 33),
			startedAt: at,
			finishedAt: at,
			totalRows: 3,
			failureCount: 3,
		});
		await insertRows(batch.id, [
			{ maskedId: "A23084****", outcome: "failed", code: "NOT_INSURED", doneAt: at },
			{ maskedId: '=HYPERLINK("http://evil.example","x")', outcome: "failed", code: "ID_INVALID", doneAt: at },
			{ maskedId: "P12123****", outcome: "failed", code: "NOT_INSURED", doneAt: at },
		]);
		return { unit, clerk, batch, session: await signIn(db, clerk.idNo) };
	}

	it("downloads the log: BOM, the seed's lines, the seed's file name, and an audit record", async () => {
		const { batch, session, clerk } = await seedBatch();
		const res = await request(`/batches/${batch.id}/log/download`, { session });
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
		expect(res.headers.get("Content-Disposition")).toBe(
			`attachment; filename="1333974211050713.1050713104533.log"; filename*=UTF-8''1333974211050713.1050713104533.log`,
		);
		expect(res.headers.get("Cache-Control")).toBe("private, no-store");
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const lines = new TextDecoder().decode(bytes) /* drops the BOM */.split("\r\n");
		expect(lines.slice(0, -1).every((l) => /^2016\/7\/13 上午 11:56:45 \S/.test(l))).toBe(true);
		expect(lines[0]).toBe("2016/7/13 上午 11:56:45 開始執行...");
		expect(lines[1]).toBe("2016/7/13 上午 11:56:45 第1筆資料:A23084****(非該單位在保險對象)不入檔!");
		expect(lines.at(-2)).toBe("2016/7/13 上午 11:56:45 ----總共上傳3筆,成功註冊0筆,失敗3筆----");
		expect(lines.at(-1)).toBe("");
		const audits = await db.select().from(auditLog).where(and(eq(auditLog.target, batch.id), eq(auditLog.action, "batch.log.download"))).all();
		expect(audits).toHaveLength(1);
		expect(audits[0]?.actor).toBe(`${clerk.idNo.slice(0, 6)}****`);
	});

	it("shows the log in the page with a 下載 link, and records the view", async () => {
		const { batch, session } = await seedBatch();
		const res = await request(`/batches/${batch.id}/log`, { session });
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain("1333974211050713.1050713104533.log");
		expect(html).toMatch(/<pre class="log"[^>]*>2016\/7\/13 上午 11:56:45 開始執行\.\.\.\r\n2016\/7\/13 上午 11:56:45 第1筆資料:A23084\*\*\*\*\(非該單位在保險對象\)不入檔!/);
		expect(html).toContain(`href="/batches/${batch.id}/log/download"`);
		expect(html).toMatch(/>\s*下載\s*<\/a>/);
		expect(await db.select().from(auditLog).where(and(eq(auditLog.target, batch.id), eq(auditLog.action, "batch.log.view"))).all()).toHaveLength(1);
	});

	it("downloads the result CSV with BOM and an inert formula cell, and records the download", async () => {
		const { batch, session } = await seedBatch();
		const res = await request(`/batches/${batch.id}/result.csv`, { session });
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
		expect(res.headers.get("Content-Disposition")).toBe(
			`attachment; filename="1333974211050713.result.csv"; filename*=UTF-8''1333974211050713.result.csv`,
		);
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const text = new TextDecoder().decode(bytes);
		expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
		expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
		expect(await db.select().from(auditLog).where(and(eq(auditLog.target, batch.id), eq(auditLog.action, "batch.result.download"))).all()).toHaveLength(1);
	});

	it("names a download with a non-ASCII upload name both ways (RFC 5987)", async () => {
		const { unit, clerk, session } = await seedBatch();
		const b = await insertBatch({ unitCode: unit.code, uploaderIdNo: clerk.idNo, fileName: "報表 (1).csv", uploadedAt: taipei(2016, 7, 13, 10, 45, 33) });
		const res = await request(`/batches/${b.id}/log/download`, { session });
		expect(res.headers.get("Content-Disposition")).toBe(
			`attachment; filename="____1_.1050713104533.log"; filename*=UTF-8''%E5%A0%B1%E8%A1%A8%20%281%29.1050713104533.log`,
		);
	});

	it("has nothing to download yet for a batch still 已上傳,等待入檔, and says so on the log page", async () => {
		const { unit, clerk, session } = await seedBatch();
		const b = await insertBatch({ unitCode: unit.code, uploaderIdNo: clerk.idNo, status: "queued" });
		const page = await request(`/batches/${b.id}/log`, { session });
		expect(page.status).toBe(200);
		expect(await page.text()).toContain("入檔尚未完畢");
		expect((await request(`/batches/${b.id}/log/download`, { session })).status).toBe(404);
		expect((await request(`/batches/${b.id}/result.csv`, { session })).status).toBe(404);
	});
});

describe("who may see an upload, on every route", () => {
	/** Unit A with two clerks and its manager, unit B with its manager; one upload by each A clerk, one in B. */
	async function world() {
		const a = await makeUnit(db);
		const b = await makeUnit(db);
		const uploader = await makeStaff(db, a.code, "clerk");
		const otherClerk = await makeStaff(db, a.code, "clerk");
		const managerA = await makeStaff(db, a.code, "manager");
		const managerB = await makeStaff(db, b.code, "manager");
		const at = Date.now();
		const batch = await insertBatch({ unitCode: a.code, uploaderIdNo: uploader.idNo, uploadedAt: at, finishedAt: at });
		await insertRows(batch.id, [{ maskedId: "A23084****", outcome: "failed", code: "NOT_INSURED", doneAt: at }]);
		const otherClerksBatch = await insertBatch({ unitCode: a.code, uploaderIdNo: otherClerk.idNo, uploadedAt: at - 1000 });
		const unitBBatch = await insertBatch({ unitCode: b.code, uploaderIdNo: managerB.idNo, uploadedAt: at - 2000 });
		return { a, uploader, otherClerk, managerA, managerB, batch, otherClerksBatch, unitBBatch };
	}
	type World = Awaited<ReturnType<typeof world>>;

	const ROUTES = [
		["log view", (id: string) => `/batches/${id}/log`],
		["log download", (id: string) => `/batches/${id}/log/download`],
		["result CSV", (id: string) => `/batches/${id}/result.csv`],
	] as const;

	type Actor = { who: string; sessionOf: (w: World) => Promise<TestSession | undefined>; idOf: (w: World) => string; status: number };
	const signedOut = async () => undefined;
	const ACTORS: Actor[] = [
		{ who: "the uploading clerk", sessionOf: (w) => signIn(db, w.uploader.idNo), idOf: (w) => w.batch.id, status: 200 },
		{ who: "another clerk of the same unit", sessionOf: (w) => signIn(db, w.otherClerk.idNo), idOf: (w) => w.batch.id, status: 404 },
		{ who: "the unit's manager", sessionOf: (w) => signIn(db, w.managerA.idNo), idOf: (w) => w.batch.id, status: 200 },
		{ who: "the manager of another unit", sessionOf: (w) => signIn(db, w.managerB.idNo), idOf: (w) => w.batch.id, status: 404 },
		{ who: "a signed-out visitor", sessionOf: signedOut, idOf: (w) => w.batch.id, status: 401 },
		{ who: "the unit's manager with a guessed id", sessionOf: (w) => signIn(db, w.managerA.idNo), idOf: () => randomToken(16), status: 404 },
		{ who: "a signed-out visitor with a malformed id", sessionOf: signedOut, idOf: () => "..%2F..%2Fetc", status: 401 },
		{ who: "the unit's manager with a malformed id", sessionOf: (w) => signIn(db, w.managerA.idNo), idOf: () => "not*an*id", status: 404 },
	];

	for (const [route, path] of ROUTES) {
		it.each(ACTORS)(`${route}: $who → $status`, async ({ sessionOf, idOf, status }) => {
			const w = await world();
			const session = await sessionOf(w);
			const res = await request(path(idOf(w)), session ? { session } : {});
			expect(res.status).toBe(status);
			if (status !== 200) {
				expect(res.headers.get("Content-Disposition")).toBeNull();
				expect(await res.text()).not.toContain("A23084****");
			}
		});
	}

	it("answers 404 for a hidden batch exactly as for a batch that does not exist", async () => {
		const w = await world();
		const session = await signIn(db, w.managerB.idNo);
		const hidden = await request(`/batches/${w.batch.id}/log`, { session });
		const missing = await request(`/batches/${randomToken(16)}/log`, { session });
		expect(hidden.status).toBe(404);
		expect(await hidden.text()).toBe(await missing.text());
	});

	it.each([
		["the uploading clerk", (w: World) => w.uploader.idNo, (w: World) => [w.batch.id]],
		["another clerk of the same unit", (w: World) => w.otherClerk.idNo, (w: World) => [w.otherClerksBatch.id]],
		["the unit's manager", (w: World) => w.managerA.idNo, (w: World) => [w.batch.id, w.otherClerksBatch.id]],
		["the manager of another unit", (w: World) => w.managerB.idNo, (w: World) => [w.unitBBatch.id]],
	])("list: %s sees only what they may", async (_, who, expected) => {
		const w = await world();
		const html = await (await request("/batches", { session: await signIn(db, who(w)) })).text();
		expect(listedIds(html)).toEqual(expected(w));
	});

	it("list: a signed-out visitor is asked to sign in", async () => {
		await world();
		expect((await request("/batches")).status).toBe(401);
	});

	it("a clerk whose authorization was revoked no longer sees their own uploads", async () => {
		const w = await world();
		const session = await signIn(db, w.uploader.idNo);
		await db
			.update(unitStaff)
			.set({ revokedAt: Date.now() })
			.where(and(eq(unitStaff.unitCode, w.a.code), eq(unitStaff.idNo, w.uploader.idNo)));
		// The revocation ends the session at its next request (which says why), so nothing of theirs is shown.
		const next = await request(`/batches/${w.batch.id}/log/download`, { session });
		expect(next.status).toBe(401);
		expect(await next.text()).not.toContain(w.batch.id);
		expect((await request("/batches", { session })).status).toBe(401);
	});
});
