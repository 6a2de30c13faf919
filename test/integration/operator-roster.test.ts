import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { roster } from "../../schema/d1.ts";
import { newApp } from "../../workers/app.tsx";
import { rosterReport } from "../../scripts/lib/roster-report.ts";
import { freshIdNo, makeUnit, testDb } from "../fixtures/index.ts";

const db = testDb();
const app = newApp();
const TOKEN = "test-operator-token";
const HEADER = "unit_code,id_no,name,enrolled_on,withdrawn_on";

function postRoster(body: string | Uint8Array, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }) {
	return app.request(
		"http://127.0.0.1:8787/api/operator/roster",
		{ method: "POST", headers: { "Content-Type": "text/csv; charset=utf-8", ...headers }, body },
		env,
	);
}

async function summary(res: Response) {
	expect(res.status).toBe(200);
	return (await res.json()) as { received: number; upserted: number; failed: number; errors: { line: number; code: string; message: string }[] };
}

function rosterOf(unitCode: string) {
	return db.select().from(roster).where(eq(roster.unitCode, unitCode)).orderBy(roster.idNo).all();
}

describe("POST /api/operator/roster", () => {
	it("refuses a request without the operator token, and loads nothing", async () => {
		const unit = await makeUnit(db);
		const res = await postRoster(`${HEADER}\n${unit.code},${freshIdNo()},陳志明,2019-03-01,\n`, {});

		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
		expect(await rosterOf(unit.code)).toEqual([]);
	});

	it("refuses a wrong token, a token of another length and a non-bearer scheme", async () => {
		const unit = await makeUnit(db);
		const body = `${HEADER}\n${unit.code},${freshIdNo()},陳志明,2019-03-01,\n`;
		for (const auth of ["Bearer test-operator-tokem", "Bearer x", `Basic ${btoa(`operator:${TOKEN}`)}`, "Bearer "]) {
			const res = await postRoster(body, { Authorization: auth });
			expect(res.status, auth).toBe(401);
		}
		expect(await rosterOf(unit.code)).toEqual([]);
	});

	it("loads a roster, stores withdrawn members with their date, and a second load of the same file changes nothing", async () => {
		const unit = await makeUnit(db);
		const [a, b, c] = [freshIdNo("A", "1"), freshIdNo("B", "2"), freshIdNo("E", "1")];
		const file = [HEADER, `${unit.code},${a},陳志明,2019-03-01,`, `${unit.code},${b},林雅婷,2015-07-01,2025-12-31`, `${unit.code},${c},黃俊傑,2024-02-29,`].join("\r\n");

		const first = await summary(await postRoster(file));
		expect(first).toEqual({ received: 3, upserted: 3, failed: 0, errors: [] });
		const loaded = await rosterOf(unit.code);
		expect(loaded).toHaveLength(3);
		expect(loaded.find((r) => r.idNo === b)?.withdrawnOn).toBe("2025-12-31");
		expect(loaded.find((r) => r.idNo === a)?.withdrawnOn).toBeNull();

		const second = await summary(await postRoster(file));
		expect(second).toEqual(first);
		expect(await rosterOf(unit.code)).toEqual(loaded);
	});

	it("reports bad rows by line with clear messages and masked IDs, and still loads the good ones", async () => {
		const unit = await makeUnit(db);
		const good = freshIdNo();
		const file = [
			HEADER,
			`${unit.code},A123456788,林雅婷,2019-03-01,`,
			`${unit.code},${good},陳志明,2019-03-01,`,
			`${unit.code},${freshIdNo()},黃俊傑,2020-13-01,`,
			`888888888,${freshIdNo()},張淑芬,2019-03-01,`,
		].join("\n");

		const result = await summary(await postRoster(file));
		expect(result).toMatchObject({ received: 4, upserted: 1, failed: 3 });
		expect(result.errors).toEqual([
			{ line: 2, code: "ID_INVALID", message: "身分證號 A12345**** 格式或檢查碼錯誤。" },
			{ line: 4, code: "ENROLLED_INVALID", message: "加保日期(enrolled_on)須為存在的日期，格式 yyyy-mm-dd 或民國年月日 yyyMMdd(如 1100101)。" },
			{ line: 5, code: "UNIT_UNKNOWN", message: "查無投保單位代號 888888888。" },
		]);
		expect((await rosterOf(unit.code)).map((r) => r.idNo)).toEqual([good]);
	});

	it("refuses a body that is not UTF-8 text/csv", async () => {
		const unit = await makeUnit(db);
		const body = `${HEADER}\n${unit.code},${freshIdNo()},陳志明,2019-03-01,\n`;
		const asJson = await postRoster(body, { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" });
		expect(asJson.status).toBe(400);
		// "陳志明" in Big5 is not valid UTF-8.
		const big5 = new Uint8Array([...new TextEncoder().encode(`${HEADER}\n${unit.code},${freshIdNo()},`), 0xb3, 0xaf, 0xa7, 0xd3, 0xa9, 0xfa, 0x0a]);
		const notUtf8 = await postRoster(big5);
		expect(notUtf8.status).toBe(400);
		expect(await notUtf8.json()).toMatchObject({ error: { code: "BAD_REQUEST", message: "名冊檔須為 UTF-8 編碼的 CSV 檔。" } });
		expect(await rosterOf(unit.code)).toEqual([]);
	});

	it("loads a roster in NHI's own terms: Chinese headers and ROC yyyMMdd dates, stored as ISO dates", async () => {
		const unit = await makeUnit(db);
		const [a, b, c] = [freshIdNo("A", "1"), freshIdNo("B", "2"), freshIdNo("E", "1")];
		const file = [
			"投保單位代號,身分證號,姓名,加保日期,退保日期",
			`${unit.code},${a},陳志明,1100101,`,
			`${unit.code},${b},林雅婷,1040701,1141231`,
			// Excel drops the leading 0 of a date before 民國100年; ISO still works beside ROC.
			`${unit.code},${c},黃俊傑,990301,2025-06-30`,
		].join("\r\n");

		expect(await summary(await postRoster(file))).toEqual({ received: 3, upserted: 3, failed: 0, errors: [] });
		const loaded = await rosterOf(unit.code);
		expect(Object.fromEntries(loaded.map((r) => [r.idNo, [r.enrolledOn, r.withdrawnOn]]))).toEqual({
			[a]: ["2021-01-01", null],
			[b]: ["2015-07-01", "2025-12-31"],
			[c]: ["2010-03-01", "2025-06-30"],
		});
	});

	it("answers 422 when every row fails, loads nothing, and roster:load prints each failed row", async () => {
		const unit = await makeUnit(db);
		const file = [HEADER, `${unit.code},${freshIdNo()},陳志明,2019-02-30,`, `${unit.code},A123456788,林雅婷,2019-03-01,`].join("\n");
		const res = await postRoster(file);
		expect(res.status).toBe(422);
		const body: unknown = await res.json();
		expect(body).toMatchObject({ error: { code: "FILE_REJECTED" }, received: 2, upserted: 0, failed: 2 });
		expect(await rosterOf(unit.code)).toEqual([]);

		const report = rosterReport(res.status, body);
		expect(report.exitCode).toBe(1);
		expect(report.stderr.join("\n")).toContain("HTTP 422");
		expect(report.stdout).toEqual([
			'{"received":2,"upserted":0,"failed":2}',
			"  第2行 ENROLLED_INVALID: 加保日期(enrolled_on)須為存在的日期，格式 yyyy-mm-dd 或民國年月日 yyyMMdd(如 1100101)。",
			"  第3行 ID_INVALID: 身分證號 A12345**** 格式或檢查碼錯誤。",
		]);
	});

	it("answers 422 for a roster with a header and no rows", async () => {
		const res = await postRoster(`${HEADER}\n`);
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({ error: { code: "FILE_REJECTED", message: "名冊只有標題列，沒有資料。" }, received: 0 });
	});
});
