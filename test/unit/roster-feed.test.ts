import { env } from "cloudflare:workers";
import { and, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, people, roster } from "../../schema/d1.ts";
import { checkDigitFor } from "../../workers/domain/national-id.ts";
import { AppError } from "../../workers/errors.ts";
import { loadRoster, ROSTER_MAX_ROWS } from "../../workers/services/roster-feed.ts";
import { ROSTER_CHUNK_ROWS } from "../../workers/sql/roster.ts";
import { freshIdNo, makePerson, makeUnit, testDb } from "../fixtures/index.ts";

const db = testDb();
const HEADER = "unit_code,id_no,name,enrolled_on,withdrawn_on";

function csv(...lines: string[]): string {
	return `${[HEADER, ...lines].join("\r\n")}\r\n`;
}

function rosterOf(unitCode: string) {
	return db.select().from(roster).where(eq(roster.unitCode, unitCode)).orderBy(roster.idNo).all();
}

async function thrown(promise: Promise<unknown>): Promise<AppError> {
	const err = await promise.then(
		() => null,
		(e: unknown) => e,
	);
	if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
	return err;
}

describe("the operator roster feed", () => {
	it("loads every good row, keeps withdrawn members with their withdrawal date and makes each a known person", async () => {
		const unit = await makeUnit(db);
		const [a, b] = [freshIdNo("A", "1"), freshIdNo("F", "2")];
		const result = await loadRoster(env.DB, csv(`${unit.code},${a},陳志明,2019-03-01,`, `${unit.code},${b},林雅婷,2015-07-01,2024-12-31`), Date.now());

		expect(result).toEqual({ received: 2, upserted: 2, failed: 0, errors: [] });
		const rows = await rosterOf(unit.code);
		expect(rows.map((r) => [r.idNo, r.name, r.enrolledOn, r.withdrawnOn])).toEqual(
			[
				[a, "陳志明", "2019-03-01", null],
				[b, "林雅婷", "2015-07-01", "2024-12-31"],
			].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
		);
		const known = await db.select().from(people).where(inArray(people.idNo, [a, b])).all();
		expect(known).toHaveLength(2);
		expect(known.every((p) => p.birthDate === "")).toBe(true);
	});

	it("leaves the same roster when the same file is loaded twice", async () => {
		const unit = await makeUnit(db);
		const file = csv(...Array.from({ length: 20 }, (_, i) => `${unit.code},${freshIdNo()},員工${i},2020-01-0${(i % 9) + 1},`));
		const first = await loadRoster(env.DB, file, 1_000);
		const before = await rosterOf(unit.code);
		const second = await loadRoster(env.DB, file, 2_000);

		expect(second).toEqual(first);
		expect(await rosterOf(unit.code)).toEqual(before);
		// Unchanged rows keep the time the feed last changed them.
		expect(before.every((r) => r.updatedAt === 1_000)).toBe(true);
	});

	it("reports each bad row by its line with a zh-TW message, masks IDs, and still loads the good rows", async () => {
		const unit = await makeUnit(db);
		const good = [freshIdNo(), freshIdNo(), freshIdNo()] as const;
		const file = csv(
			`${unit.code},${good[0]},陳志明,2019-03-01,`, // line 2
			`${unit.code},A123456788,林雅婷,2019-03-01,`, // 3: checksum
			`999999999,${freshIdNo()},黃俊傑,2019-03-01,`, // 4: no such unit
			`${unit.code},${freshIdNo()},,2019-03-01,`, // 5: no name
			`${unit.code},${freshIdNo()},張淑芬,2023-02-30,`, // 6: not a date
			`${unit.code},${freshIdNo()},李建宏,2020-05-01,2020-04-30`, // 7: withdrawn before enrolled
			`${unit.code},${freshIdNo()},王怡君`, // 8: too few columns
			"", // 9: blank lines are skipped, not counted
			`${unit.code},${good[1]},吳家豪,2021-01-01,2022-02-02`, // 10
			`${unit.code},${good[0]},陳志明,2020-01-01,`, // 11: same member again
			`12345,${freshIdNo()},劉宜庭,2019-03-01,`, // 12: unit code not 9 digits
			`${unit.code},${good[2]},蔡佩君,2019/03/01,`, // 13: not yyyy-mm-dd
		);
		const result = await loadRoster(env.DB, file, Date.now());

		expect(result.received).toBe(11);
		expect(result.upserted).toBe(2);
		expect(result.failed).toBe(9);
		expect(result.errors.map((e) => [e.line, e.code])).toEqual([
			[3, "ID_INVALID"],
			[4, "UNIT_UNKNOWN"],
			[5, "NAME_MISSING"],
			[6, "ENROLLED_INVALID"],
			[7, "WITHDRAWN_BEFORE_ENROLLED"],
			[8, "COLUMNS"],
			[11, "DUPLICATE_IN_FILE"],
			[12, "UNIT_CODE_INVALID"],
			[13, "ENROLLED_INVALID"],
		]);
		expect(result.errors[0]?.message).toBe("身分證號 A12345**** 格式或檢查碼錯誤。");
		expect(result.errors[1]?.message).toBe("查無投保單位代號 999999999。");
		expect(result.errors.find((e) => e.code === "DUPLICATE_IN_FILE")?.message).toContain("與第2行重複");
		expect(JSON.stringify(result.errors)).not.toContain(good[0]);

		const rows = await rosterOf(unit.code);
		expect(rows.map((r) => r.idNo).sort()).toEqual([good[0], good[1]].sort());
		expect(rows.find((r) => r.idNo === good[0])?.enrolledOn).toBe("2019-03-01");
	});

	it("records the latest withdrawal of a member and never overwrites a birth date it does not know", async () => {
		const unit = await makeUnit(db);
		const person = await makePerson(db, { name: "舊名字", birthDate: "1985-06-15" });
		await loadRoster(env.DB, csv(`${unit.code},${person.idNo},鄭美玲,2018-01-01,`), Date.now());
		await loadRoster(env.DB, csv(`${unit.code},${person.idNo.toLowerCase()},鄭美玲,2018-01-01,2026-06-30`), Date.now());

		const [row] = await rosterOf(unit.code);
		expect(row?.withdrawnOn).toBe("2026-06-30");
		const known = await db.select().from(people).where(eq(people.idNo, person.idNo)).get();
		expect(known).toMatchObject({ name: "鄭美玲", birthDate: "1985-06-15" });
	});

	it("takes full-width input, a BOM, quoted cells and Excel's trailing empty columns", async () => {
		const unit = await makeUnit(db);
		const id = freshIdNo();
		const fullWidth = id.replace(/[A-Z0-9]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));
		const file = `\uFEFF${HEADER},,\n"${unit.code}",${fullWidth}," 何承恩 ",2022-08-01,,,\n`;
		const result = await loadRoster(env.DB, file, Date.now());

		expect(result).toEqual({ received: 1, upserted: 1, failed: 0, errors: [] });
		expect((await rosterOf(unit.code))[0]).toMatchObject({ idNo: id, name: "何承恩", withdrawnOn: null });
	});

	it("loads a roster larger than one statement's chunk", async () => {
		const unit = await makeUnit(db);
		const size = ROSTER_CHUNK_ROWS * 2 + 17;
		const ids = Array.from({ length: size }, (_, i) => {
			const first9 = `B2${String(i).padStart(7, "0")}`;
			return first9 + checkDigitFor(first9);
		});
		const result = await loadRoster(env.DB, csv(...ids.map((id) => `${unit.code},${id},員工,2020-01-01,`)), Date.now());

		expect(result).toEqual({ received: size, upserted: size, failed: 0, errors: [] });
		expect(await rosterOf(unit.code)).toHaveLength(size);
	});

	it(`loads a full ${ROSTER_MAX_ROWS.toLocaleString("en")}-row roster in one call`, async () => {
		const unit = await makeUnit(db);
		const lines = Array.from({ length: ROSTER_MAX_ROWS }, (_, i) => {
			const first9 = `C1${String(i).padStart(7, "0")}`;
			return `${unit.code},${first9 + checkDigitFor(first9)},全量測試員工,2020-01-01,`;
		});
		const result = await loadRoster(env.DB, csv(...lines), Date.now());

		expect(result).toMatchObject({ received: ROSTER_MAX_ROWS, upserted: ROSTER_MAX_ROWS, failed: 0 });
		const count = await env.DB.prepare("SELECT count(*) AS n FROM roster WHERE unit_code = ?1").bind(unit.code).first<{ n: number }>();
		expect(count?.n).toBe(ROSTER_MAX_ROWS);
	});

	it("writes one audit entry per load, as the operator", async () => {
		const unit = await makeUnit(db);
		const at = Date.now() + 12_345;
		await loadRoster(env.DB, csv(`${unit.code},${freshIdNo()},陳志明,2019-03-01,`, `${unit.code},A123456788,林雅婷,2019-03-01,`), at);

		const entries = await db.select().from(auditLog).where(and(eq(auditLog.action, "roster.load"), eq(auditLog.at, at))).all();
		expect(entries).toHaveLength(1);
		expect(entries[0]).toMatchObject({ actor: "operator", unitCode: unit.code });
		expect(JSON.parse(entries[0]?.detail ?? "{}")).toMatchObject({ received: 2, upserted: 1, failed: 1 });
	});

	it("refuses a file whose first line is not the header, and stores nothing", async () => {
		const unit = await makeUnit(db);
		const err = await thrown(loadRoster(env.DB, `${unit.code},${freshIdNo()},陳志明,2019-03-01,\n`, Date.now()));

		expect(err.code).toBe("BAD_REQUEST");
		expect(err.message).toContain("unit_code,id_no,name,enrolled_on,withdrawn_on");
		expect(await rosterOf(unit.code)).toEqual([]);
	});

	it(`refuses more than ${ROSTER_MAX_ROWS.toLocaleString("en")} rows as a whole`, async () => {
		const row = "110001000,A123456789,陳志明,2019-03-01,";
		const err = await thrown(loadRoster(env.DB, csv(...Array.from({ length: ROSTER_MAX_ROWS + 1 }, () => row)), Date.now()));

		expect(err.code).toBe("PAYLOAD_TOO_LARGE");
	});
});
