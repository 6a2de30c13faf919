// A batch that ends in 入檔失敗 (SPEC §3–4): whole-file faults seen cheaply at upload time answer on the
// form at once.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { batches, registrations } from "../../schema/d1.ts";
import { FILE_REASONS } from "../../workers/domain/reasons.ts";
import { batchFileName, enroll, freshIdNo, makeStaff, makeUnit, signIn, testDb, uploadFile } from "../fixtures/index.ts";

const db = testDb();

async function clerkWithRoster(insured = 1) {
	const unit = await makeUnit(db);
	const clerk = await makeStaff(db, unit.code, "clerk");
	const session = await signIn(db, clerk.idNo);
	const members = Array.from({ length: insured }, () => freshIdNo());
	await enroll(db, unit.code, members);
	return { unit, clerk, session, members };
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
